import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LazyLruMap } from '../../shared/authorizer/lazy-lru-map';

describe('LazyLruMap', () => {
  it('keeps nothing with capacity 0', () => {
    // Prepare
    const map = new LazyLruMap<string, number>(0);

    // Act
    map.set('a', 1);

    // Assess
    expect(map.get('a')).toBeUndefined();
  });

  it('is exactly least recently used at capacity 2: a hit on the older entry saves it from the next eviction', () => {
    // Prepare
    const map = new LazyLruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);

    // Act
    map.get('a');
    map.set('c', 3);

    // Assess
    expect([map.get('a'), map.get('b'), map.get('c')]).toEqual([1, undefined, 3]);
  });

  it('moves a hit in the older half to the recent end', () => {
    // Prepare: capacity 4; `a` is three moves old, in the older half.
    const map = new LazyLruMap<string, number>(4);
    for (const [index, key] of ['a', 'b', 'c', 'd'].entries()) map.set(key, index);

    // Act
    map.get('a');
    map.set('e', 4); // evicts b, the least recently moved

    // Assess
    expect(['a', 'b', 'c', 'd', 'e'].map((key) => map.get(key) !== undefined)).toEqual([true, false, true, true, true]);
  });

  it('leaves a hit in the newer half where it is: eviction is least recently used to within half the capacity', () => {
    // Prepare: capacity 4; `c` is one move old, in the newer half.
    const map = new LazyLruMap<string, number>(4);
    for (const [index, key] of ['a', 'b', 'c', 'd'].entries()) map.set(key, index);

    // Act: c is read after d, but keeps its place before it.
    map.get('d');
    map.get('c');
    for (const key of ['e', 'f', 'g']) map.set(key, 0);

    // Assess
    expect(['c', 'd'].map((key) => map.get(key) !== undefined)).toEqual([false, true]);
  });

  it('forgets a deleted key', () => {
    // Prepare
    const map = new LazyLruMap<string, number>(2);
    map.set('a', 1);

    // Act
    map.delete('a');

    // Assess
    expect(map.get('a')).toBeUndefined();
  });

  it('never holds more than its capacity, always serves what was last set for a key it holds, and keeps the most recently set key (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 15 })), { maxLength: 200 }),
        (capacity, operations) => {
          // Prepare
          const map = new LazyLruMap<number, number>(capacity);
          const last = new Map<number, number>();
          let version = 0;

          // Act
          for (const [isSet, key] of operations) {
            if (isSet) {
              map.set(key, ++version);
              last.set(key, version);
              // Assess: the key just set is served, with its value.
              expect(map.get(key)).toBe(version);
            } else {
              const value = map.get(key);
              if (value !== undefined) expect(value).toBe(last.get(key));
            }
          }

          // Assess
          const held = [...last.keys()].filter((key) => map.get(key) !== undefined);
          expect(held.length).toBeLessThanOrEqual(capacity);
        },
      ),
    );
  });
});
