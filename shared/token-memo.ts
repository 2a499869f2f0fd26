/**
 * A bounded memo of verified tokens, keyed by the full token string, so a token seen again in the same
 * container skips the signature check. Entries never outlive their token: one whose `expiresAt` (seconds,
 * the token's `exp`) has passed is dropped when looked up and never served. When full, the least recently
 * used entry goes (a `Map` keeps insertion order; a hit re-inserts). Only successes are stored, by the caller.
 *
 * Memory is bounded by `capacity` × the longest accepted token (the authorizer refuses headers over 12 KiB).
 */
export class TokenMemo<T extends { readonly expiresAt: number }> {
  readonly #entries = new Map<string, T>();

  constructor(
    readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The memoized value for `token`, or `undefined` when absent or expired. */
  get(token: string): T | undefined {
    const value = this.#entries.get(token);
    if (value === undefined) return undefined;
    this.#entries.delete(token);
    if (this.now() >= value.expiresAt * 1000) return undefined;
    this.#entries.set(token, value);
    return value;
  }

  /** Remembers a verified token; no-op when the capacity is 0 or the token has already expired. */
  set(token: string, value: T): void {
    if (this.capacity === 0 || this.now() >= value.expiresAt * 1000) return;
    this.#entries.delete(token);
    if (this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, value);
  }

  /** Number of entries held (expired ones included until looked up or evicted). */
  get size(): number {
    return this.#entries.size;
  }
}
