import { ConfigurationError } from '../runtime/errors';
import { type Env, readList } from '../runtime/settings';

/** The role groups a tenant's users get when none are configured (`TENANCY_ROLE_GROUPS`). */
export const DEFAULT_ROLE_GROUPS = ['tenant-admin', 'tenant-member'] as const;

/**
 * A group or role name the suite accepts: what Cognito allows for group names (up to 128 characters), kept to
 * key- and header-safe characters. The authorizer passes groups comma-joined to backends, so a comma in a name
 * would be ambiguous; registry keys must not contain `#`.
 */
const GROUP_NAME_PATTERN = /^[A-Za-z0-9][\w.-]{0,127}$/;

/** Whether `value` is a valid group or role name. */
export function isGroupName(value: unknown): value is string {
  return typeof value === 'string' && GROUP_NAME_PATTERN.test(value);
}

/**
 * A list of group names from a setting (`TENANCY_ROLE_GROUPS` with `DEFAULT_ROLE_GROUPS`, or
 * `TENANCY_PLATFORM_GROUPS`); `ConfigurationError` on a malformed or repeated name.
 */
export function readGroupList(
  env: Env,
  setting: 'TENANCY_ROLE_GROUPS' | 'TENANCY_PLATFORM_GROUPS',
  fallback: readonly string[],
): string[] {
  const groups = readList(env, setting, fallback);
  const seen = new Set<string>();
  for (const group of groups) {
    if (!isGroupName(group)) {
      throw new ConfigurationError(`"${group}" is not a valid group name (letters, digits, "_", "." and "-")`, setting);
    }
    if (seen.has(group)) throw new ConfigurationError(`group "${group}" is listed twice`, setting);
    seen.add(group);
  }
  return groups;
}

/** `TENANCY_ROLE_GROUPS` (default `tenant-admin,tenant-member`); at least one is required. */
export function readRoleGroups(env: Env): string[] {
  const roleGroups = readGroupList(env, 'TENANCY_ROLE_GROUPS', DEFAULT_ROLE_GROUPS);
  if (roleGroups.length === 0) {
    throw new ConfigurationError('at least one role group is required', 'TENANCY_ROLE_GROUPS');
  }
  return roleGroups;
}
