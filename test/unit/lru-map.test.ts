import { describe, expect, it } from 'vitest';
import { LruMap } from '../../shared/runtime/lru-map';

describe('LruMap', () => {
  it('drops the least recently used entry when full and reports it to onEvict', () => {
    // Prepare
    const evicted: [string, number][] = [];
    const map = new LruMap<string, number>(2, (key, value) => evicted.push([key, value]));
    map.set('a', 1);
    map.set('b', 2);
    map.get('a');

    // Act
    map.set('c', 3);

    // Assess
    expect(evicted).toEqual([['b', 2]]);
    expect([map.peek('a'), map.peek('b'), map.peek('c')]).toEqual([1, undefined, 3]);
    expect(map.size).toBe(2);
  });

  it('leaves the order unchanged on peek, so a peeked entry is still the first to go', () => {
    // Prepare
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.peek('a');

    // Act
    map.set('c', 3);

    // Assess
    expect(map.peek('a')).toBeUndefined();
    expect(map.peek('b')).toBe(2);
  });

  it('replaces the value of a key it holds without evicting anything', () => {
    // Prepare
    const evicted: string[] = [];
    const map = new LruMap<string, number>(2, (key) => evicted.push(key));
    map.set('a', 1);
    map.set('b', 2);

    // Act
    map.set('a', 10);

    // Assess
    expect(evicted).toEqual([]);
    expect([map.peek('a'), map.peek('b'), map.size]).toEqual([10, 2, 2]);
  });

  it('keeps nothing with capacity 0 and forgets a deleted key', () => {
    // Prepare
    const empty = new LruMap<string, number>(0);
    const map = new LruMap<string, number>(1);
    map.set('a', 1);

    // Act
    empty.set('a', 1);
    map.delete('a');

    // Assess
    expect([empty.size, empty.get('a')]).toEqual([0, undefined]);
    expect([map.size, map.get('a')]).toEqual([0, undefined]);
  });
});
