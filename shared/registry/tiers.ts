import { ConfigurationError, UnknownTierError } from '../runtime/errors';

/** A tier: a name and how many members (seats) a tenant of that tier may have. */
export interface Tier {
  readonly name: string;
  readonly seatLimit: number;
}

/** Tiers ordered from lowest to highest; the order is what "minimum tier" rules compare. */
export class Tiers {
  readonly #byName: ReadonlyMap<string, { readonly tier: Tier; readonly rank: number }>;

  constructor(readonly list: readonly Tier[]) {
    this.#byName = new Map(list.map((tier, rank) => [tier.name, { tier, rank }]));
  }

  /** The names of the tiers, lowest first. */
  get names(): string[] {
    return this.list.map((tier) => tier.name);
  }

  /** Whether `name` is a configured tier. */
  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** The tier called `name`; throws `UnknownTierError` when there is none. */
  get(name: string): Tier {
    const entry = this.#byName.get(name);
    if (entry === undefined) throw new UnknownTierError(name, this.names);
    return entry.tier;
  }

  /** Position of the tier (0 = lowest); -1 for an unknown tier, which therefore meets no minimum. */
  rank(name: string): number {
    return this.#byName.get(name)?.rank ?? -1;
  }
}

/** Defaults used when `TENANCY_TIERS` is not set. */
export const DEFAULT_TIERS = new Tiers([
  { name: 'free', seatLimit: 5 },
  { name: 'standard', seatLimit: 100 },
  { name: 'enterprise', seatLimit: 10_000 },
]);

const TIER_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Parses a tier list written as `name=seats` pairs, lowest tier first: `free=5,standard=100,enterprise=10000`.
 * Rejects duplicates, bad names and seat limits that are not positive integers.
 */
export function parseTiers(spec: string | undefined, setting = 'TENANCY_TIERS'): Tiers {
  if (spec === undefined || spec.trim() === '') return DEFAULT_TIERS;
  const list: Tier[] = [];
  for (const part of spec.split(',')) {
    const [name = '', seats = '', ...extra] = part.trim().split('=');
    if (!TIER_NAME.test(name) || extra.length > 0) {
      throw new ConfigurationError(`invalid tier "${part.trim()}" (expected name=seats, e.g. free=5)`, setting);
    }
    if (!/^[1-9]\d{0,8}$/.test(seats)) {
      throw new ConfigurationError(`seat limit of tier "${name}" must be a positive integer, got "${seats}"`, setting);
    }
    if (list.some((tier) => tier.name === name)) {
      throw new ConfigurationError(`tier "${name}" is listed twice`, setting);
    }
    list.push({ name, seatLimit: Number(seats) });
  }
  return new Tiers(list);
}
