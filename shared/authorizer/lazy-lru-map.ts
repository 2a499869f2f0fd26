import { LruMap } from '../runtime/lru-map';

/** A value and when it last moved to the most recently used end (`LazyLruMap` counts moves). */
interface Slot<V> {
  readonly value: V;
  moved: number;
}

/**
 * A bounded map that drops the least recently used entry first, like `LruMap`, for the authorizer's per-request
 * caches (the token memo, entitlements), where a hit is the common case. `LruMap.get` moves every hit to the
 * recent end with a `Map` delete and insert, which churns the map's table (a rehash every few hits): about
 * 1.5 µs a hit against 0.2 µs for a plain lookup, most of a memoized request's core.
 *
 * Here a hit moves its entry only when it sits in the older half. Moves (insertions and those refreshes) are
 * counted: an entry moved fewer than half the capacity moves ago has fewer than that many entries after it, so
 * it is far from eviction and stays where it is; a hit in the older half moves it as `LruMap` would. Eviction
 * order is therefore least recently used to within half the capacity, which is all these caches need: what an
 * entry holds never depends on when it was used.
 */
export class LazyLruMap<K, V> {
  readonly #entries: LruMap<K, Slot<V>>;
  readonly #refreshAfter: number;
  #moves = 0;

  /** @param capacity entries kept at most; 0 keeps nothing. */
  constructor(readonly capacity: number) {
    this.#entries = new LruMap(capacity);
    this.#refreshAfter = Math.max(1, Math.floor(capacity / 2));
  }

  /** The value of `key`, moved to the recent end when it was in the older half. */
  get(key: K): V | undefined {
    const slot = this.#entries.peek(key);
    if (slot === undefined) return undefined;
    if (this.#moves - slot.moved >= this.#refreshAfter) {
      slot.moved = ++this.#moves;
      this.#entries.get(key);
    }
    return slot.value;
  }

  /** Stores `value` as the most recently used entry, dropping the least recently used one when full. */
  set(key: K, value: V): void {
    this.#entries.set(key, { value, moved: ++this.#moves });
  }

  /** Forgets `key`. */
  delete(key: K): void {
    this.#entries.delete(key);
  }
}
