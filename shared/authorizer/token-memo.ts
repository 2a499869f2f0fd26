import { LazyLruMap } from './lazy-lru-map';

/**
 * A bounded memo of verified tokens, so a token seen again in the same container skips the signature check.
 * An entry is served only for the identical full token string. Entries never outlive their token: one whose
 * `expiresAt` (seconds, the token's `exp`) has passed is dropped when looked up and never served. When full,
 * the least recently used entry goes (`LazyLruMap`: a hit is a lookup, not a move). Only successes are
 * stored, by the caller.
 *
 * The map is indexed by the token's last characters (part of its signature) and the stored full token is
 * compared on every hit: hashing a fresh 1-4 KB token string for a plain string key costs several µs, as much
 * as a tenth of the signature check this memo exists to skip. Different tokens sharing a tail cannot be served
 * for each other; they only displace each other.
 *
 * Memory is bounded by `capacity` × the longest accepted token (the authorizer refuses headers over 12 KiB).
 */
export class TokenMemo<T extends { readonly expiresAt: number }> {
  readonly #entries: LazyLruMap<string, { readonly token: string; readonly value: T }>;

  constructor(
    readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#entries = new LazyLruMap(capacity);
  }

  /** The memoized value for exactly this `token`, or `undefined` when absent or expired. */
  get(token: string): T | undefined {
    const key = indexOf(token);
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.token !== token) return undefined;
    if (this.now() < entry.value.expiresAt * 1000) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  /** Remembers a verified token; no-op when the capacity is 0 or the token has already expired. */
  set(token: string, value: T): void {
    if (this.capacity === 0 || this.now() >= value.expiresAt * 1000) return;
    this.#entries.set(indexOf(token), { token, value });
  }
}

const INDEX_LENGTH = 48;

function indexOf(token: string): string {
  return token.length > INDEX_LENGTH ? token.slice(-INDEX_LENGTH) : token;
}
