import type { Binding } from '../registry/binding';
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
  /** The pools the authorizer trusts; with more than one (silo model), tokens are pinned to their pool. */
  readonly userPoolIds: readonly string[];
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
 * - With several pools (silo model), a token must come from its tenant's pool: a token from a pool bound to
 *   tenant B never speaks for tenant A, and a tenant bound to pool A is only reached with tokens from pool A.
 *   The pool bindings of the configured pools are read like tenant records.
 *
 * Reads go through the same per-container cache as pre token generation (same TTL and stale window). With
 * nothing cached and the registry failing, `check` throws: the authorizer then answers 401. A fresh cache
 * answers synchronously, so the warm path awaits nothing.
 */
export class TenantStanding {
  readonly #reads: TenantReads;
  readonly #tenants: TenantCache<Tenant | undefined>;
  readonly #pools: TenantCache<string | undefined>;
  readonly #poolIds: readonly string[];
  readonly #onStale: (what: string, error: unknown) => void;

  constructor(options: TenantStandingOptions) {
    const cacheOptions = { ttlMs: options.cacheTtlMs, staleTtlMs: options.staleTtlMs, now: options.now };
    this.#reads = options.reads;
    this.#tenants = new TenantCache(cacheOptions);
    this.#pools = new TenantCache(cacheOptions);
    this.#poolIds = options.userPoolIds;
    this.#onStale = options.onStale ?? (() => undefined);
  }

  /** The caller's standing; a promise only when something has to be read. Throws when the registry cannot answer. */
  check(caller: { readonly tenantId: string; readonly poolId: string }): Standing | Promise<Standing> {
    const tenant = this.#tenants.fresh(caller.tenantId);
    if (this.#poolIds.length < 2) {
      return tenant === undefined ? this.#checkAsync(caller) : tenantStanding(tenant.value);
    }
    const pools = this.#poolIds.map((poolId) => this.#pools.fresh(poolId));
    if (tenant === undefined || pools.some((entry) => entry === undefined)) return this.#checkAsync(caller);
    return this.#decide(
      caller,
      tenant.value,
      pools.map((entry) => entry?.value),
    );
  }

  async #checkAsync(caller: { readonly tenantId: string; readonly poolId: string }): Promise<Standing> {
    if (this.#poolIds.length < 2) return tenantStanding(await this.#tenant(caller.tenantId));
    const [tenant, pools] = await Promise.all([
      this.#tenant(caller.tenantId),
      Promise.all(this.#poolIds.map((poolId) => this.#poolTenant(poolId))),
    ]);
    return this.#decide(caller, tenant, pools);
  }

  #decide(
    caller: { readonly tenantId: string; readonly poolId: string },
    tenant: Tenant | undefined,
    poolTenants: readonly (string | undefined)[],
  ): Standing {
    const standing = tenantStanding(tenant);
    if (standing !== 'active') return standing;
    const tokenPoolTenant = poolTenants[this.#poolIds.indexOf(caller.poolId)];
    // A silo pool speaks for its own tenant only.
    if (tokenPoolTenant !== undefined) return tokenPoolTenant === caller.tenantId ? 'active' : 'pool-mismatch';
    // A shared pool never speaks for a tenant that has a pool of its own.
    return poolTenants.includes(caller.tenantId) ? 'pool-mismatch' : 'active';
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

function tenantStanding(tenant: Tenant | undefined): Standing {
  if (tenant === undefined) return 'tenant-not-found';
  return tenant.status === 'active' ? 'active' : 'tenant-inactive';
}
