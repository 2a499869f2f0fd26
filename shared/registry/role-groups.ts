/** The role groups a tenant's users get when none are configured (`TENANCY_ROLE_GROUPS`). */
export const DEFAULT_ROLE_GROUPS = ['tenant-admin', 'tenant-member'] as const;

/**
 * A group or role name the suite accepts: what Cognito allows for group names (up to 128 characters), kept to
 * key- and header-safe characters. The authorizer passes groups comma-joined to backends, so a comma in a name
 * would be ambiguous; registry keys must not contain `#`.
 */
export const GROUP_NAME_PATTERN = /^[A-Za-z0-9][\w.-]{0,127}$/;

/** Whether `value` is a valid group or role name. */
export function isGroupName(value: unknown): value is string {
  return typeof value === 'string' && GROUP_NAME_PATTERN.test(value);
}
