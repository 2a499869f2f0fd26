import type { Membership, Tenant } from '../registry/tenant';

/**
 * The role groups a caller may use now: each role group of the token, lowered to the membership's role when it
 * ranks above it (docs/memberships.md, authorizer contract). Role groups rank in the order they are configured
 * (`TENANCY_ROLE_GROUPS`, most privileged first): a member demoted from `tenant-admin` to `tenant-member` after
 * the token was issued gets `tenant-member`; a member promoted since keeps the token's lower role until the
 * next refresh. So a decision never carries more than the registry says.
 *
 * A membership that came through the tenant's identity provider (source `idp`) also keeps the token roles that
 * the tenant's `roleMappings` still map to: those were mapped from the user's IdP groups at issue time (the
 * authorizer cannot see IdP groups), and a mapping the operator removed stops counting within the cache TTL.
 * A membership role that is not a configured role group grants nothing. The result lists the configured order
 * and is the token's own array when nothing changes (the authorizer keeps its per-token memo then).
 */
export function grantedGroups(
  tokenGroups: readonly string[],
  membership: Pick<Membership, 'role' | 'source'>,
  tenant: Pick<Tenant, 'roleMappings'> | undefined,
  roleGroups: readonly string[],
): readonly string[] {
  const ceiling = roleGroups.indexOf(membership.role);
  const mapped = membership.source === 'idp' && tenant !== undefined ? Object.values(tenant.roleMappings) : [];
  const granted = new Set<string>();
  let changed = false;
  for (const group of tokenGroups) {
    const rank = roleGroups.indexOf(group);
    if (mapped.includes(group) || (ceiling >= 0 && rank >= ceiling)) {
      granted.add(group);
    } else {
      changed = true;
      if (ceiling >= 0) granted.add(membership.role);
    }
  }
  if (!changed) return tokenGroups;
  return roleGroups.filter((group) => granted.has(group));
}
