import { bindingKey } from '../registry/binding';
import type { TenantRegistry } from '../registry/tenant-registry';
import type { NewUser } from './new-user';
import { bindingCandidates, type Resolution, type ResolutionPolicy, resolveTenant } from './tenant-resolution';

/**
 * Reads what resolution needs from the registry — the user's membership and every candidate binding, in
 * parallel so the trigger pays one round trip — and returns `resolveTenant`'s decision. Read-only.
 * The membership read is strongly consistent: a retry must see the membership its first run wrote.
 */
export async function lookupTenant(
  registry: TenantRegistry,
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
  return resolveTenant(user, { memberOf, bindings }, policy);
}
