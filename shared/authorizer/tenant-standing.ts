import type { Binding } from '../registry/binding';
import { pinnedToPool } from '../registry/pool-pinning';
import type { Tenant } from '../registry/tenant';
import { type CacheOutcome, TenantCache, type TenantCacheSettings } from '../registry/tenant-cache';

/** The registry reads the authorizer makes (GetItem only); the registry's read path provides them. */
export interface TenantReads {
  getTenant(tenantId: string): Promise<Tenant | undefined>;
  resolveBinding(binding: Binding): Promise<string | undefined>;
}

/** Whether a verified caller's tenant may use the API now, or why not. */
export type Standing = 'active' | 'tenant-not-found' | 'tenant-inactive' | 'pool-mismatch';

/** What `TenantStanding` needs, built once per container. */
export interface TenantStandingOptions extends TenantCacheSettings {
  readonly reads: TenantReads;
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
 * Reads go through the same per-container cache as pre token generation (same TTL and stale window). With
 * nothing cached and the registry failing, `check` throws: the authorizer then answers 401. A fresh cache
 * answers synchronously, so the warm path awaits nothing.
 */
export class TenantStanding {
  readonly #reads: TenantReads;
  readonly #tenants: TenantCache<Tenant | undefined>;
  readonly #pools: TenantCache<string | undefined>;
  readonly #onStale: (what: string, error: unknown) => void;

  constructor(options: TenantStandingOptions) {
    const cacheOptions = { ttlMs: options.cacheTtlMs, staleTtlMs: options.staleTtlMs, now: options.now };
    this.#reads = options.reads;
    this.#tenants = new TenantCache(cacheOptions);
    this.#pools = new TenantCache(cacheOptions);
    this.#onStale = options.onStale ?? (() => undefined);
  }

  /** The caller's standing; a promise only when something has to be read. Throws when the registry cannot answer. */
  check(caller: { readonly tenantId: string; readonly poolId: string }): Standing | Promise<Standing> {
    const tenant = this.#tenants.fresh(caller.tenantId);
    const pool = this.#pools.fresh(caller.poolId);
    if (tenant === undefined || pool === undefined) return this.#checkAsync(caller);
    return decide(caller, tenant.value, pool.value);
  }

  async #checkAsync(caller: { readonly tenantId: string; readonly poolId: string }): Promise<Standing> {
    const [tenant, poolTenant] = await Promise.all([this.#tenant(caller.tenantId), this.#poolTenant(caller.poolId)]);
    return decide(caller, tenant, poolTenant);
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

function decide(
  caller: { readonly tenantId: string; readonly poolId: string },
  tenant: Tenant | undefined,
  poolTenant: string | undefined,
): Standing {
  if (tenant === undefined) return 'tenant-not-found';
  if (tenant.status !== 'active') return 'tenant-inactive';
  return pinnedToPool(caller.poolId, poolTenant, tenant) ? 'active' : 'pool-mismatch';
}
