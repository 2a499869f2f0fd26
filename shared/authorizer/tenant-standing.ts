import type { Binding } from '../registry/binding';
import { pinnedToPool } from '../registry/pool-pinning';
import { isActiveMembership, type Membership, type Tenant } from '../registry/tenant';
import type { TenantCacheSettings } from '../registry/tenant-cache-settings';
import { type CacheOutcome, ReadThroughCache } from '../runtime/read-through-cache';
import { grantedGroups } from './granted-groups';

/** The registry reads the authorizer makes (GetItem only); the registry's read path provides them. */
export interface TenantReads {
  getTenant(tenantId: string): Promise<Tenant | undefined>;
  resolveBinding(binding: Binding): Promise<string | undefined>;
}

/** The membership read the authorizer makes (GetItem only). */
export interface MembershipReads {
  getMembership(tenantId: string, sub: string): Promise<Membership | undefined>;
}

/** Whether a verified caller's tenant (and membership) may use the API now, or why not. */
export type Standing = 'active' | 'tenant-not-found' | 'tenant-inactive' | 'pool-mismatch' | 'membership-not-found';

/** A caller as the standing check reads it. */
export interface StandingCaller {
  readonly sub: string;
  readonly tenantId: string;
  readonly poolId: string;
  /** The token's configured role groups. */
  readonly groups: readonly string[];
}

/**
 * The answer of a standing check: `groups` are the role groups the caller may use now (`granted-groups.ts`),
 * the token's own array when the membership grants all of them or memberships are not checked.
 */
export interface Admission {
  readonly standing: Standing;
  readonly groups: readonly string[];
}

/** What `TenantStanding` needs, built once per container. */
export interface TenantStandingOptions extends TenantCacheSettings {
  readonly reads: TenantReads;
  /**
   * Check the caller's membership too (docs/memberships.md): read per (tenant, sub) through a cache with the
   * same TTL and stale window as tenant records. A removed (or only invited) member is denied; a demoted one
   * gets the lower role. `roleGroups` is the configured order, most privileged first.
   */
  readonly memberships?: { readonly reads: MembershipReads; readonly roleGroups: readonly string[] } | undefined;
  /** Called when a stale record answered because the registry failed (for the logs). */
  readonly onStale?: (what: string, error: unknown) => void;
  /** Clock in milliseconds, replaceable in tests. */
  readonly now?: () => number;
}

/**
 * The tenant checks the authorizer makes after verifying a token, from the registry state *now* rather than
 * when the token was issued: a token minted before its tenant was suspended is denied within the cache TTL.
 *
 * - The tenant record must exist and be `active`.
 * - The token's pool is pinned (`pool-pinning.ts`, the rule the triggers keep too): a pool bound to tenant B
 *   never speaks for tenant A, and a tenant bound to pool A is only reached with tokens from pool A. The token
 *   pool's binding is read like a tenant record, and the tenant's pools come with it, so this holds with one
 *   configured pool as with several.
 *
 * - With memberships on, the caller must hold an active membership of the tenant (read per tenant and sub), and
 *   the groups it may use are the token's, lowered to the membership's role (`granted-groups.ts`).
 *
 * Reads go through the same per-container cache as pre token generation (same TTL and stale window; the
 * membership cache uses the tenant TTL, so a removal or demotion takes effect within it). With nothing cached
 * and the registry failing, `check` throws: the authorizer then answers 401. A fresh cache answers
 * synchronously, so the warm path awaits nothing.
 */
export class TenantStanding {
  readonly #reads: TenantReads;
  readonly #tenants: ReadThroughCache<Tenant | undefined>;
  readonly #pools: ReadThroughCache<string | undefined>;
  readonly #onStale: (what: string, error: unknown) => void;
  readonly #memberships: ReadThroughCache<Membership | undefined> | undefined;
  readonly #membershipReads: MembershipReads | undefined;
  readonly #roleGroups: readonly string[];

  constructor(options: TenantStandingOptions) {
    const cacheOptions = { ttlMs: options.cacheTtlMs, staleTtlMs: options.staleTtlMs, now: options.now };
    this.#reads = options.reads;
    this.#tenants = new ReadThroughCache(cacheOptions);
    this.#pools = new ReadThroughCache(cacheOptions);
    this.#onStale = options.onStale ?? (() => undefined);
    this.#membershipReads = options.memberships?.reads;
    this.#roleGroups = options.memberships?.roleGroups ?? [];
    // Same TTL as tenant records (never longer): one GetItem per caller and tenant per TTL.
    this.#memberships = options.memberships === undefined ? undefined : new ReadThroughCache(cacheOptions);
  }

  /** The caller's standing; a promise only when something has to be read. Throws when the registry cannot answer. */
  check(caller: StandingCaller): Admission | Promise<Admission> {
    const tenant = this.#tenants.fresh(caller.tenantId);
    const membership = this.#memberships === undefined ? NOT_READ : this.#memberships.fresh(membershipKey(caller));
    const pool = this.#pools.fresh(caller.poolId);
    if (tenant === undefined || membership === undefined || pool === undefined) return this.#checkAsync(caller);
    return this.#admit(caller, tenant.value, membership.value, pool.value);
  }

  async #checkAsync(caller: StandingCaller): Promise<Admission> {
    const [tenant, membership, poolTenant] = await Promise.all([
      this.#tenant(caller.tenantId),
      this.#membership(caller),
      this.#poolTenant(caller.poolId),
    ]);
    return this.#admit(caller, tenant, membership, poolTenant);
  }

  #admit(
    caller: StandingCaller,
    tenant: Tenant | undefined,
    membership: Membership | undefined | typeof NOT_READ_VALUE,
    poolTenant: string | undefined,
  ): Admission {
    const standing = decide(caller, tenant, poolTenant);
    if (standing !== 'active') return { standing, groups: NO_GROUPS };
    if (membership === NOT_READ_VALUE) return { standing, groups: caller.groups };
    if (!isActiveMembership(membership)) return { standing: 'membership-not-found', groups: NO_GROUPS };
    const roleGroups = this.#roleGroups;
    return { standing, groups: grantedGroups(caller.groups, membership, tenant, roleGroups) };
  }

  async #membership(caller: StandingCaller): Promise<Membership | undefined | typeof NOT_READ_VALUE> {
    const cache = this.#memberships;
    const reads = this.#membershipReads;
    if (cache === undefined || reads === undefined) return NOT_READ_VALUE;
    const answer = await cache.get(membershipKey(caller), () => reads.getMembership(caller.tenantId, caller.sub));
    this.#noteStale('membership', answer);
    return answer.value;
  }

  async #tenant(tenantId: string): Promise<Tenant | undefined> {
    const answer = await this.#tenants.get(tenantId, () => this.#reads.getTenant(tenantId));
    this.#noteStale('tenant', answer);
    return answer.value;
  }

  async #poolTenant(userPoolId: string): Promise<string | undefined> {
    const answer = await this.#pools.get(userPoolId, () => this.#reads.resolveBinding({ kind: 'pool', userPoolId }));
    this.#noteStale('pool binding', answer);
    return answer.value;
  }

  #noteStale(what: string, answer: { readonly outcome: CacheOutcome; readonly error?: unknown }): void {
    // Only a failed load is news; a stale answer inside the retry pause carries no error and is not logged again.
    if (answer.outcome === 'stale' && answer.error !== undefined) this.#onStale(what, answer.error);
  }
}

const NO_GROUPS: readonly string[] = [];
// Memberships not checked: a marker distinct from "no membership" (`undefined`).
const NOT_READ_VALUE = Symbol('membership not read');
const NOT_READ = { value: NOT_READ_VALUE } as const;

function membershipKey(caller: StandingCaller): string {
  // Tenant ids hold no `#` (registry keys use it as a separator), so the key is unambiguous.
  return `${caller.tenantId}#${caller.sub}`;
}

function decide(
  caller: { readonly tenantId: string; readonly poolId: string },
  tenant: Tenant | undefined,
  poolTenant: string | undefined,
): Standing {
  if (tenant === undefined) return 'tenant-not-found';
  if (tenant.status !== 'active') return 'tenant-inactive';
  return pinnedToPool(caller.poolId, poolTenant, tenant) ? 'active' : 'pool-mismatch';
}
