import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapLimited } from '../../shared/operations/map-limited';

/** A task whose calls finish in an order chosen by the test, recording how many run at once. */
function gatedTask(fail: ReadonlySet<number> = new Set()) {
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const task = async (item: number, index: number): Promise<number> => {
    running++;
    peak = Math.max(peak, running);
    started.push(index);
    // Yield a varying number of microtask turns so that calls overlap and finish out of order.
    for (let turn = 0; turn < (item * 7) % 5; turn++) await Promise.resolve();
    running--;
    if (fail.has(index)) throw new Error(`item ${index} failed`);
    return item * 2;
  };
  return { task, started, peak: () => peak };
}

describe('mapLimited', () => {
  it('returns every result in the order of the items and never runs more than the limit at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(100), { maxLength: 60 }),
        fc.integer({ min: 1, max: 20 }),
        async (items, limit) => {
          // Prepare
          const { task, peak } = gatedTask();

          // Act
          const results = await mapLimited(items, limit, task);

          // Assess
          expect(results).toEqual(items.map((item) => item * 2));
          expect(peak()).toBeLessThanOrEqual(limit);
        },
      ),
    );
  });

  it('starts no further item after a failure and throws the earliest failure among those started', async () => {
    // Prepare
    const items = Array.from({ length: 100 }, (_, i) => i);
    const { task, started } = gatedTask(new Set([3, 5]));

    // Act
    const error = await mapLimited(items, 4, task).catch((thrown: unknown) => thrown);

    // Assess
    expect((error as Error).message).toBe('item 3 failed');
    expect(started.length).toBeLessThan(items.length);
  });

  it('refuses a limit that is not a positive whole number', async () => {
    // Act / Assess
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      await expect(mapLimited([1], limit, async (x) => x)).rejects.toThrow(RangeError);
    }
  });
});
