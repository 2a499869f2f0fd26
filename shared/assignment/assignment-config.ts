import { registryConfigFromEnv } from '../registry/registry-config';
import { DEFAULT_ROLE_GROUPS, isGroupName } from '../registry/role-groups';
import type { Tiers } from '../registry/tiers';
import { ConfigurationError } from '../runtime/errors';
import { type Env, readBoolean, readList, readString, rejectUnknownSettings } from '../runtime/settings';

/** What the sign-up triggers (pre sign-up, post confirmation) and invitations need, validated at cold start. */
export interface AssignmentConfig {
  readonly tableName: string;
  readonly tiers: Tiers;
  /** Days an audit item is kept; 0 keeps it for good. */
  readonly auditRetentionDays: number;
  /** Role group of users placed by a binding or an invitation without `--role`. */
  readonly memberRole: string;
  /** Role group of the user who creates a self-service tenant. */
  readonly adminRole: string;
  /** Role groups an invitation may grant (the same list the pre token trigger puts into tokens). */
  readonly roleGroups: readonly string[];
  /** Whether a user no binding places gets a new tenant of their own. */
  readonly selfService: boolean;
  /** Tier of self-service tenants. */
  readonly selfServiceTier: string;
  /** Pre sign-up sets `autoConfirmUser` (never for users placed by their e-mail domain). */
  readonly autoConfirm: boolean;
  /** Pre sign-up sets `autoVerifyEmail` (never for users placed by their e-mail domain). */
  readonly autoVerifyEmail: boolean;
  /** Milliseconds a trigger may spend before failing with a clear error (Cognito allows 5 s in all). */
  readonly budgetMs: number;
}

function role(env: Env, setting: 'TENANCY_MEMBER_ROLE' | 'TENANCY_ADMIN_ROLE', fallback: string, roles: string[]) {
  const value = readString(env, setting) ?? fallback;
  if (!isGroupName(value)) throw new ConfigurationError(`"${value}" is not a valid group name`, setting);
  if (!roles.includes(value)) {
    throw new ConfigurationError(
      `"${value}" is not one of the role groups (${roles.join(', ')}); add it to TENANCY_ROLE_GROUPS`,
      setting,
    );
  }
  return value;
}

/** The role settings alone, for the CLI (which names its table with `--table`). */
export interface RoleConfig {
  readonly memberRole: string;
  readonly adminRole: string;
  readonly roleGroups: readonly string[];
}

/** Reads `TENANCY_ROLE_GROUPS`, `TENANCY_MEMBER_ROLE` and `TENANCY_ADMIN_ROLE`; both roles must be role groups. */
export function roleConfigFromEnv(env: Env): RoleConfig {
  rejectUnknownSettings(env);
  // The pre token trigger's default: a role outside its role set would never reach a token.
  const roleGroups = readList(env, 'TENANCY_ROLE_GROUPS', DEFAULT_ROLE_GROUPS);
  return {
    roleGroups,
    memberRole: role(env, 'TENANCY_MEMBER_ROLE', 'tenant-member', roleGroups),
    adminRole: role(env, 'TENANCY_ADMIN_ROLE', 'tenant-admin', roleGroups),
  };
}

/**
 * Reads the registry settings plus `TENANCY_MEMBER_ROLE` (default `tenant-member`), `TENANCY_ADMIN_ROLE`
 * (default `tenant-admin`), `TENANCY_SELF_SERVICE` (default off), `TENANCY_SELF_SERVICE_TIER` (default: the
 * lowest tier), `TENANCY_AUTO_CONFIRM` and `TENANCY_AUTO_VERIFY_EMAIL` (default off). Throws
 * `ConfigurationError` on anything unknown or inconsistent.
 */
export function assignmentConfigFromEnv(env: Env): AssignmentConfig {
  const { tableName, tiers, auditRetentionDays } = registryConfigFromEnv(env);
  const { memberRole, adminRole, roleGroups } = roleConfigFromEnv(env);
  const selfServiceTier = readString(env, 'TENANCY_SELF_SERVICE_TIER') ?? tiers.names[0] ?? '';
  if (!tiers.has(selfServiceTier)) {
    throw new ConfigurationError(
      `unknown tier "${selfServiceTier}" (known tiers: ${tiers.names.join(', ')})`,
      'TENANCY_SELF_SERVICE_TIER',
    );
  }
  return {
    tableName,
    tiers,
    auditRetentionDays,
    memberRole,
    adminRole,
    roleGroups,
    selfService: readBoolean(env, 'TENANCY_SELF_SERVICE', false),
    selfServiceTier,
    autoConfirm: readBoolean(env, 'TENANCY_AUTO_CONFIRM', false),
    autoVerifyEmail: readBoolean(env, 'TENANCY_AUTO_VERIFY_EMAIL', false),
    budgetMs: 4000,
  };
}
