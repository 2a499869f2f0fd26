import { describe, expect, it } from 'vitest';
import { ReadThroughCache } from '../../shared/runtime/read-through-cache';

/** A cache over a fake clock and a loader that counts calls and can fail. */
function setup(options: { ttlMs?: number; staleTtlMs?: number; retryAfterMs?: number; maxEntries?: number } = {}) {
  const clock = { now: 0 };
  const cache = new ReadThroughCache<string | undefined>({
    ttlMs: options.ttlMs ?? 60_000,
    staleTtlMs: options.staleTtlMs ?? 600_000,
    retryAfterMs: options.retryAfterMs ?? 0,
    maxEntries: options.maxEntries,
    now: () => clock.now,
  });
  const source = { loads: 0, failing: false, value: 'v1' as string | undefined };
  const load = async () => {
    source.loads++;
    if (source.failing) throw new Error('registry down');
    return source.value;
  };
  return { clock, cache, source, load };
}

describe('ReadThroughCache', () => {
  it('answers from the cache while an entry is fresh and loads again once it expires', async () => {
    // Prepare
    const { clock, cache, source, load } = setup();

    // Act
    const first = await cache.get('acme', load);
    clock.now = 59_999;
    const second = await cache.get('acme', load);
    source.value = 'v2';
    clock.now = 60_000;
    const third = await cache.get('acme', load);

    // Assess
    expect([first, second, third]).toEqual([
      { value: 'v1', outcome: 'loaded' },
      { value: 'v1', outcome: 'hit' },
      { value: 'v2', outcome: 'loaded' },
    ]);
    expect(source.loads).toBe(2);
  });

  it('hands out a fresh entry synchronously, and nothing once it is due for a load', async () => {
    // Prepare
    const { clock, cache, load } = setup();
    await cache.get('acme', load);

    // Act
    const fresh = cache.fresh('acme');
    const unknown = cache.fresh('globex');
    clock.now = 60_000;
    const expired = cache.fresh('acme');

    // Assess
    expect(fresh).toMatchObject({ value: 'v1' });
    expect(unknown).toBeUndefined();
    expect(expired).toBeUndefined();
  });

  it('caches an absent value (unknown tenant) like any other', async () => {
    // Prepare
    const { cache, source, load } = setup();
    source.value = undefined;

    // Act
    await cache.get('nobody', load);
    const again = await cache.get('nobody', load);

    // Assess
    expect(again).toEqual({ value: undefined, outcome: 'hit' });
    expect(source.loads).toBe(1);
  });

  it('serves a stale entry while loading fails, up to the stale window past freshness', async () => {
    // Prepare
    const { clock, cache, source, load } = setup({ ttlMs: 60_000, staleTtlMs: 600_000 });
    await cache.get('acme', load);
    source.failing = true;

    // Act
    clock.now = 659_999;
    const stale = await cache.get('acme', load);
    clock.now = 660_000;
    const expired = cache.get('acme', load);

    // Assess
    expect(stale).toMatchObject({ value: 'v1', outcome: 'stale' });
    expect(stale.error).toBeInstanceOf(Error);
    await expect(expired).rejects.toThrow('registry down');
  });

  it('fails when nothing is cached and the load fails', async () => {
    // Prepare
    const { cache, source, load } = setup();
    source.failing = true;

    // Act
    const result = cache.get('acme', load);

    // Assess
    await expect(result).rejects.toThrow('registry down');
  });

  it('does not retry a failing registry on every lookup while serving stale', async () => {
    // Prepare
    const { clock, cache, source, load } = setup({ retryAfterMs: 5000 });
    await cache.get('acme', load);
    source.failing = true;
    clock.now = 60_000;

    // Act
    await cache.get('acme', load);
    clock.now = 64_999;
    const during = await cache.get('acme', load);
    clock.now = 65_000;
    await cache.get('acme', load);

    // Assess
    expect(during).toEqual({ value: 'v1', outcome: 'stale' });
    expect(source.loads).toBe(3);
  });

  it('recovers with a fresh value once the registry answers again', async () => {
    // Prepare
    const { clock, cache, source, load } = setup();
    await cache.get('acme', load);
    source.failing = true;
    clock.now = 70_000;
    await cache.get('acme', load);
    source.failing = false;
    source.value = 'v2';

    // Act
    const recovered = await cache.get('acme', load);
    clock.now = 129_999;
    const hit = await cache.get('acme', load);

    // Assess
    expect(recovered).toEqual({ value: 'v2', outcome: 'loaded' });
    expect(hit).toEqual({ value: 'v2', outcome: 'hit' });
  });

  it('caches nothing with a TTL of 0', async () => {
    // Prepare
    const { cache, source, load } = setup({ ttlMs: 0 });

    // Act
    await cache.get('acme', load);
    await cache.get('acme', load);

    // Assess
    expect(source.loads).toBe(2);
  });

  it('drops the least recently loaded entry beyond its size bound', async () => {
    // Prepare
    const { cache, source, load } = setup({ maxEntries: 2 });
    await cache.get('a', load);
    await cache.get('b', load);

    // Act
    await cache.get('c', load);
    await cache.get('b', load);
    await cache.get('a', load);

    // Assess
    // a and b were loaded once each, c once, then a again after its eviction: b was still held.
    expect(source.loads).toBe(4);
  });
});
