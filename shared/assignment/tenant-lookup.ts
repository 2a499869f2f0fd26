import { bindingKey, makeBinding } from '../registry/binding';
import { pinnedToPool } from '../registry/pool-pinning';
import type { RegistryReader } from '../registry/registry-reader';
import type { NewUser } from './new-user';
import { bindingCandidates, type Resolution, type ResolutionPolicy, resolveTenant } from './tenant-resolution';

/**
 * Reads what resolution needs from the registry — the user's membership and every candidate binding, in
 * parallel so the trigger pays one round trip — and returns `resolveTenant`'s decision, refused when the
 * tenant found is pinned to another pool than the user's (one more read: the tenant). Read-only.
 * The membership read is strongly consistent: a retry must see the membership its first run wrote.
 */
export async function lookupTenant(
  registry: RegistryReader,
  user: NewUser,
  policy: ResolutionPolicy,
): Promise<Resolution> {
  const candidates = bindingCandidates(user, policy);
  const [memberOf, ...held] = await Promise.all([
    user.sub === undefined ? Promise.resolve(undefined) : registry.getUserTenantId(user.sub, { consistent: true }),
    ...candidates.map(({ binding }) => registry.resolveBinding(binding)),
  ]);
  const bindings = new Map<string, string>();
  candidates.forEach(({ binding }, index) => {
    const tenantId = held[index];
    if (tenantId !== undefined) bindings.set(bindingKey(binding), tenantId);
  });
  const resolution = resolveTenant(user, { memberOf, bindings }, policy);
  if (resolution.kind !== 'join' && resolution.kind !== 'member') return resolution;
  // Silo pinning (pool-pinning.ts): the pool binding was among the candidates; the tenant's pools are on its item.
  const tenant = await registry.getTenant(resolution.tenantId);
  const poolTenant = bindings.get(bindingKey(makeBinding('pool', user.userPoolId)));
  if (tenant === undefined || pinnedToPool(user.userPoolId, poolTenant, tenant)) return resolution;
  return {
    kind: 'refuse',
    reason: `user pool ${user.userPoolId} may not place users in tenant ${tenant.tenantId} (silo pool pinning)`,
    code: 'pool-mismatch',
  };
}
