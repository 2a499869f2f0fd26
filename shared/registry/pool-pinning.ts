/**
 * Silo pinning, the one rule every placement, token and request keeps: a user of pool X never speaks for a
 * tenant bound to another pool Y, and a pool bound to tenant S (silo) speaks for S only.
 *
 * `poolTenant` is the tenant the user's pool is bound to (its pool binding), `tenantPools` the pools bound to
 * the tenant in question (`Tenant.siloPools`). Pinning holds when the pool is bound to no tenant or to this
 * one, and the tenant has no pool of its own or has this pool among them. It holds with any number of pools
 * a function is configured with: both facts come from the registry.
 */
export function pinnedToPool(
  userPoolId: string,
  poolTenant: string | undefined,
  tenant: { readonly tenantId: string; readonly siloPools?: readonly string[] | undefined },
): boolean {
  if (poolTenant !== undefined && poolTenant !== tenant.tenantId) return false;
  const pools = tenant.siloPools ?? [];
  return pools.length === 0 || pools.includes(userPoolId);
}
