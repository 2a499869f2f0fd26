import { TENANT_ID_ATTRIBUTE } from '../cognito/tenant-id-attribute';
import { DEFAULT_ROLE_GROUPS, isGroupName } from '../registry/role-groups';
import { ConfigurationError } from '../runtime/errors';
import { type Env, readBoolean, readInteger, readList, readString, rejectUnknownSettings } from '../runtime/settings';
import { type ClaimNames, claimNamesFromEnv } from './claim-names';
import { isReservedClaim } from './reserved-claims';

/** Everything the pre token generation trigger needs besides the registry, validated once at cold start. */
export interface PreTokenConfig {
  /** Names of the tenant claims written into tokens. */
  readonly claimNames: ClaimNames;
  /** Role groups a token may carry, in the order they are listed in tokens. */
  readonly roleGroups: readonly string[];
  /** Groups that grant platform-wide power; never the result of a mapping, never in a tenant token. */
  readonly platformGroups: readonly string[];
  /** IdP-mapped user attribute that carries the IdP's group names (e.g. `custom:idpGroups`), if any. */
  readonly idpGroupsAttribute: string | undefined;
  /** How long a registry read is fresh, in milliseconds (0: read on every token). */
  readonly cacheTtlMs: number;
  /** How long past freshness an entry may still serve while the registry fails, in milliseconds. */
  readonly staleTtlMs: number;
  /** Whether `custom:tenantId` must be backed by the user's membership item. */
  readonly verifyMembership: boolean;
}

export const DEFAULT_PLATFORM_GROUPS = ['platform-admin'] as const;

// Cognito custom attribute names are at most 20 characters after the `custom:` prefix.
const CUSTOM_ATTRIBUTE = /^custom:[A-Za-z0-9_]{1,20}$/;

function groupList(env: Env, setting: 'TENANCY_ROLE_GROUPS' | 'TENANCY_PLATFORM_GROUPS', fallback: readonly string[]) {
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

function idpGroupsAttribute(env: Env, claimNames: ClaimNames): string | undefined {
  const setting = 'TENANCY_IDP_GROUPS_ATTRIBUTE';
  const name = readString(env, setting);
  if (name === undefined) return undefined;
  if (!CUSTOM_ATTRIBUTE.test(name)) {
    throw new ConfigurationError(`"${name}" is not a custom attribute name (expected e.g. custom:idpGroups)`, setting);
  }
  // The tenant binding attribute and the tenant claims must never double as an IdP-controlled value.
  if (name === TENANT_ID_ATTRIBUTE || name === claimNames.tenantId || name === claimNames.tier) {
    throw new ConfigurationError(`"${name}" is a tenant attribute or claim and cannot carry IdP groups`, setting);
  }
  if (isReservedClaim(name)) throw new ConfigurationError(`"${name}" is a reserved claim`, setting);
  return name;
}

/**
 * Reads and validates the trigger's settings: claim names (`TENANCY_TENANT_ID_CLAIM`, `TENANCY_TIER_CLAIM`),
 * role and platform groups, the IdP-groups attribute, cache TTLs and membership verification. Throws
 * `ConfigurationError` on unknown `TENANCY_*` names, reserved claim names, or role groups that overlap
 * platform groups: a configuration mistake must stop the function before it issues a single token.
 */
export function preTokenConfigFromEnv(env: Env): PreTokenConfig {
  rejectUnknownSettings(env);
  const claimNames = claimNamesFromEnv(env);
  const roleGroups = groupList(env, 'TENANCY_ROLE_GROUPS', DEFAULT_ROLE_GROUPS);
  if (roleGroups.length === 0)
    throw new ConfigurationError('at least one role group is required', 'TENANCY_ROLE_GROUPS');
  const platformGroups = groupList(env, 'TENANCY_PLATFORM_GROUPS', DEFAULT_PLATFORM_GROUPS);
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
    cacheTtlMs: readInteger(env, 'TENANCY_CACHE_TTL_SECONDS', 60, 0, 3600) * 1000,
    staleTtlMs: readInteger(env, 'TENANCY_STALE_TTL_SECONDS', 600, 0, 86_400) * 1000,
    verifyMembership: readBoolean(env, 'TENANCY_VERIFY_MEMBERSHIP', true),
  };
}
