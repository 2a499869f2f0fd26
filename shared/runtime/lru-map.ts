/**
 * A `Map` bounded to `capacity` entries that drops the least recently used one first: the per-container caches
 * of the suite (verified tokens, tenant records, tenant credentials and clients, parsed policy sets) keep memory
 * bounded however many tenants a container serves.
 *
 * A `Map` iterates in insertion order, so re-inserting a key on use keeps the oldest first; eviction is O(1).
 * `get` marks a key as used, `peek` does not (for caches ordered by when an entry was loaded, not read).
 */
export class LruMap<K, V> {
  readonly #entries = new Map<K, V>();

  /**
   * @param capacity entries kept at most; 0 keeps nothing.
   * @param onEvict called with each entry dropped to make room (e.g. to free what it holds elsewhere).
   */
  constructor(
    readonly capacity: number,
    private readonly onEvict?: (key: K, value: V) => void,
  ) {}

  /** The value of `key`, marked as most recently used. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** The value of `key`, leaving its place in the order unchanged. */
  peek(key: K): V | undefined {
    return this.#entries.get(key);
  }

  /** Stores `value` as the most recently used entry, dropping the least recently used one when full. */
  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.capacity) {
      const oldest = this.#entries.entries().next();
      if (oldest.done !== true) {
        this.#entries.delete(oldest.value[0]);
        this.onEvict?.(oldest.value[0], oldest.value[1]);
      }
    }
    this.#entries.set(key, value);
  }

  /** Forgets `key`. */
  delete(key: K): void {
    this.#entries.delete(key);
  }

  /** The entries, least recently used first, without marking any as used. */
  entries(): IterableIterator<[K, V]> {
    return this.#entries.entries();
  }

  /** Entries currently kept. */
  get size(): number {
    return this.#entries.size;
  }
}
