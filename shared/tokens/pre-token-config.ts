import { TENANT_ID_ATTRIBUTE } from '../cognito/tenant-id-attribute';
import { readGroupList, readRoleGroups } from '../registry/role-groups';
import { type TenantCacheSettings, tenantCacheSettingsFromEnv } from '../registry/tenant-cache-settings';
import { ConfigurationError } from '../runtime/errors';
import { type Env, readBoolean, readString, rejectUnknownSettings } from '../runtime/settings';
import { type ClaimsContract, claimNamesFromEnv } from './claim-names';
import { isReservedClaim } from './reserved-claims';

/** Everything the pre token generation trigger needs besides the registry, validated once at cold start. */
export interface PreTokenConfig extends TenantCacheSettings {
  /** Names of the tenant claims written into tokens, the contract version and a rename window. */
  readonly claimNames: ClaimsContract;
  /** Role groups a token may carry, in the order they are listed in tokens. */
  readonly roleGroups: readonly string[];
  /** Groups that grant platform-wide power; never the result of a mapping, never in a tenant token. */
  readonly platformGroups: readonly string[];
  /** IdP-mapped user attribute that carries the IdP's group names (e.g. `custom:idpGroups`), if any. */
  readonly idpGroupsAttribute: string | undefined;
}

export const DEFAULT_PLATFORM_GROUPS = ['platform-admin'] as const;

// Cognito custom attribute names are at most 20 characters after the `custom:` prefix.
const CUSTOM_ATTRIBUTE = /^custom:[A-Za-z0-9_]{1,20}$/;

function idpGroupsAttribute(env: Env, claimNames: ClaimsContract): string | undefined {
  const setting = 'TENANCY_IDP_GROUPS_ATTRIBUTE';
  const name = readString(env, setting);
  if (name === undefined) return undefined;
  if (!CUSTOM_ATTRIBUTE.test(name)) {
    throw new ConfigurationError(`"${name}" is not a custom attribute name (expected e.g. custom:idpGroups)`, setting);
  }
  // The tenant binding attribute and the tenant claims must never double as an IdP-controlled value.
  if (
    name === TENANT_ID_ATTRIBUTE ||
    name === claimNames.tenantId ||
    name === claimNames.tier ||
    name === claimNames.version ||
    claimNames.migration?.renames.has(name) === true
  ) {
    throw new ConfigurationError(`"${name}" is a tenant attribute or claim and cannot carry IdP groups`, setting);
  }
  if (isReservedClaim(name)) throw new ConfigurationError(`"${name}" is a reserved claim`, setting);
  return name;
}

/**
 * Reads and validates the trigger's settings: claim names (`TENANCY_TENANT_ID_CLAIM`, `TENANCY_TIER_CLAIM`),
 * role and platform groups, the IdP-groups attribute and cache TTLs (`TENANCY_VERIFY_MEMBERSHIP=false` is refused). Throws
 * `ConfigurationError` on unknown `TENANCY_*` names, reserved claim names, or role groups that overlap
 * platform groups: a configuration mistake must stop the function before it issues a single token.
 */
export function preTokenConfigFromEnv(env: Env): PreTokenConfig {
  rejectUnknownSettings(env);
  rejectUnverifiedMemberships(env);
  const claimNames = claimNamesFromEnv(env);
  const roleGroups = readRoleGroups(env);
  const platformGroups = readGroupList(env, 'TENANCY_PLATFORM_GROUPS', DEFAULT_PLATFORM_GROUPS);
  const overlap = roleGroups.filter((group) => platformGroups.includes(group));
  if (overlap.length > 0) {
    throw new ConfigurationError(
      `platform group(s) ${overlap.join(', ')} cannot also be role groups: a role mapping could then grant platform power`,
      'TENANCY_ROLE_GROUPS',
    );
  }
  return {
    claimNames,
    roleGroups,
    platformGroups,
    idpGroupsAttribute: idpGroupsAttribute(env, claimNames),
    ...tenantCacheSettingsFromEnv(env),
  };
}

/**
 * `TENANCY_VERIFY_MEMBERSHIP` could turn the membership read off before memberships carried the role. The
 * read is now what puts the role into the token, so `false` is refused at cold start (a deployment that set
 * it stops with this message instead of issuing tokens without a role); `true` is accepted and changes nothing.
 */
function rejectUnverifiedMemberships(env: Env): void {
  if (!readBoolean(env, 'TENANCY_VERIFY_MEMBERSHIP', true)) {
    throw new ConfigurationError(
      'memberships carry the role of every token, so the membership read cannot be turned off; remove the setting',
      'TENANCY_VERIFY_MEMBERSHIP',
    );
  }
}
