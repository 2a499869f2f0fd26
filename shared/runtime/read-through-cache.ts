import { LruMap } from './lru-map';

/** Options of a `ReadThroughCache`. */
export interface ReadThroughCacheOptions {
  /** Milliseconds an entry is fresh; 0 disables caching (every lookup loads). */
  readonly ttlMs: number;
  /** Milliseconds past freshness an entry may still serve while loading fails. */
  readonly staleTtlMs: number;
  /**
   * Milliseconds to serve a stale entry without retrying after a failed load. Each failed load can take
   * seconds (timeouts and retries) and Cognito gives a trigger 5 s, so an outage must not cost every token.
   * Default: the smaller of `ttlMs` and 5 s.
   */
  readonly retryAfterMs?: number;
  /** Entries kept at most; the least recently loaded is dropped first. */
  readonly maxEntries?: number;
  /** Clock in milliseconds, replaceable in tests. */
  readonly now?: () => number;
}

/** How a lookup was answered; the handler logs stale answers. */
export type CacheOutcome = 'hit' | 'loaded' | 'stale';

interface Entry<V> {
  readonly value: V;
  /** When the value was loaded. */
  readonly loadedAt: number;
  /** After a failed load: no new attempt before this time. */
  retryAt: number;
}

/**
 * A per-container read-through cache keyed by string: registry lookups (tenants, client and pool bindings) in
 * pre token generation and the authorizer, loaded policy stores in the Cedar decider.
 *
 * Fresh entries answer without I/O. Once an entry expires, the next lookup loads again; if that load fails,
 * the old value keeps serving until `ttlMs + staleTtlMs` after it was loaded, and then the failure
 * propagates. With no entry at all a failure always propagates: the caller fails closed. Absent values
 * (`undefined`: unknown tenant, unbound client) are cached like any other.
 */
export class ReadThroughCache<V> {
  // Ordered by when an entry was loaded (reads use `peek`): the least recently loaded is dropped first.
  readonly #entries: LruMap<string, Entry<V>>;
  readonly #ttlMs: number;
  readonly #staleTtlMs: number;
  readonly #retryAfterMs: number;
  readonly #now: () => number;

  constructor(options: ReadThroughCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#staleTtlMs = options.staleTtlMs;
    this.#retryAfterMs = options.retryAfterMs ?? Math.min(options.ttlMs, 5000);
    this.#entries = new LruMap(options.maxEntries ?? 1000);
    this.#now = options.now ?? Date.now;
  }

  /**
   * The value for `key`: cached while fresh, else from `load`. When `load` fails, a stale entry within its
   * bound answers instead (outcome `stale`, with the failure as `error`); otherwise the failure is thrown.
   */
  async get(key: string, load: () => Promise<V>): Promise<{ value: V; outcome: CacheOutcome; error?: unknown }> {
    const now = this.#now();
    const entry = this.#entries.peek(key);
    if (entry !== undefined && now - entry.loadedAt < this.#ttlMs) return { value: entry.value, outcome: 'hit' };
    const servable = entry !== undefined && now - entry.loadedAt < this.#ttlMs + this.#staleTtlMs;
    if (servable && now < entry.retryAt) return { value: entry.value, outcome: 'stale' };
    try {
      const value = await load();
      this.#store(key, { value, loadedAt: this.#now(), retryAt: 0 });
      return { value, outcome: 'loaded' };
    } catch (error) {
      if (!servable) throw error;
      entry.retryAt = this.#now() + this.#retryAfterMs;
      return { value: entry.value, outcome: 'stale', error };
    }
  }

  /**
   * The fresh entry for `key`, synchronously, or `undefined` when a load is due. Lets the warm path skip the
   * promise machinery of `get` (a few microtask hops per token).
   */
  fresh(key: string): { value: V } | undefined {
    const entry = this.#entries.peek(key);
    return entry !== undefined && this.#now() - entry.loadedAt < this.#ttlMs ? entry : undefined;
  }

  /** Forgets the entry for `key` (the caller just changed what it holds). */
  forget(key: string): void {
    this.#entries.delete(key);
  }

  #store(key: string, entry: Entry<V>): void {
    if (this.#ttlMs === 0) return;
    this.#entries.set(key, entry);
  }
}
