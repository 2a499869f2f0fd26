import { InvalidInputError } from '../runtime/errors';
import { assertUserPoolId } from './binding';
import { isGroupName } from './role-groups';
import {
  type DirectoryUserRef,
  isTenantStatus,
  MEMBERSHIP_SOURCES,
  MEMBERSHIP_STATUSES,
  type MembershipSource,
  type MembershipStatus,
  type TenantStatus,
} from './tenant';
import { assertTenantId, generateTenantId } from './tenant-id';
import type { Tiers } from './tiers';

/** Input of `createTenant`. Without `tenantId` a non-guessable id is generated. */
export interface NewTenant {
  readonly tenantId?: string;
  readonly name: string;
  readonly tier: string;
  readonly status?: TenantStatus;
  readonly roleMappings?: Readonly<Record<string, string>>;
}

/** A `NewTenant` that passed every rule: id chosen, name trimmed, status set. */
export interface ValidTenant {
  readonly tenantId: string;
  readonly name: string;
  readonly tier: string;
  readonly status: TenantStatus;
  readonly roleMappings: Readonly<Record<string, string>>;
}

/** Input of `addMember`. */
export interface NewMembership {
  readonly tenantId: string;
  readonly sub: string;
  readonly role: string;
  readonly source: MembershipSource;
  /** `active` unless given (`invited`: an invitation's reservation under a placeholder subject). */
  readonly status?: MembershipStatus;
  /** Where the user lives in Cognito, recorded on the user item so later changes can write `custom:tenantId`. */
  readonly directoryUser?: DirectoryUserRef;
}

const NAME_MAX = 128;
// Cognito `sub` values are UUIDs; other subjects (emulators) are still restricted to key-safe characters.
const SUB_PATTERN = /^[\w-]{1,128}$/;

/**
 * Checks a new tenant against the registry's rules without any I/O: the registry applies it before writing,
 * and `import` applies it to a whole seed file before writing anything. `UnknownTierError`/`InvalidInputError`.
 */
export function validateNewTenant(input: NewTenant, tiers: Tiers): ValidTenant {
  const tenantId = input.tenantId === undefined ? generateTenantId() : assertTenantId(input.tenantId);
  const name = validateTenantName(input.name);
  tiers.get(input.tier);
  const status = validateStatus(input.status ?? 'active');
  return { tenantId, name, tier: input.tier, status, roleMappings: validateRoleMappings(input.roleMappings ?? {}) };
}

/** A tenant name: 1–128 printable characters after trimming. */
function validateTenantName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  if (trimmed.length === 0 || trimmed.length > NAME_MAX || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new InvalidInputError(`tenant name must be 1-${NAME_MAX} printable characters`, 'name');
  }
  return trimmed;
}

/** A tenant status; `InvalidInputError` otherwise. */
export function validateStatus(status: unknown): TenantStatus {
  if (!isTenantStatus(status)) throw new InvalidInputError(`invalid status ${JSON.stringify(status)}`, 'status');
  return status;
}

/** IdP group → role mappings: non-empty group names of at most 256 characters, valid role names. */
export function validateRoleMappings(mappings: Readonly<Record<string, string>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [group, role] of Object.entries(mappings)) {
    if (group.length === 0 || group.length > 256)
      throw new InvalidInputError(`invalid IdP group name "${group}"`, 'roleMappings');
    if (!isGroupName(role))
      throw new InvalidInputError(`invalid role "${role}" for IdP group "${group}"`, 'roleMappings');
    result[group] = role;
  }
  return result;
}

/** Whether `value` is a user sub the registry accepts. */
export function isValidSub(value: unknown): value is string {
  return typeof value === 'string' && SUB_PATTERN.test(value);
}

/** A user sub: key-safe characters only (Cognito's are UUIDs). */
export function validateSub(sub: unknown): string {
  if (!isValidSub(sub)) throw new InvalidInputError(`invalid user sub ${JSON.stringify(sub)}`, 'sub');
  return sub;
}

/** A role group name. */
export function validateRole(role: unknown): string {
  if (!isGroupName(role)) throw new InvalidInputError(`invalid role ${JSON.stringify(role)}`, 'role');
  return role;
}

/** A new membership: tenant id, sub, role and a known source. */
export function validateMembership(input: NewMembership): NewMembership {
  assertTenantId(input.tenantId);
  validateSub(input.sub);
  validateRole(input.role);
  if (!(MEMBERSHIP_SOURCES as readonly string[]).includes(input.source)) {
    throw new InvalidInputError(`invalid membership source ${JSON.stringify(input.source)}`, 'source');
  }
  if (input.status !== undefined && !(MEMBERSHIP_STATUSES as readonly string[]).includes(input.status)) {
    throw new InvalidInputError(`invalid membership status ${JSON.stringify(input.status)}`, 'status');
  }
  if (input.directoryUser !== undefined) validateDirectoryUser(input.directoryUser);
  return input;
}

// Cognito user names: up to 128 characters, no whitespace or control characters (federated: `<provider>_<id>`).
// The control characters (General_Category Cc) spelled as their two ranges, not `\p{Cc}`: V8 checks a regular
// expression literal when it parses the module, and a property class is built from ICU's tables then (1.5M
// instructions at every cold start of the functions that bundle this). Cc is immutable (Unicode's property value
// stability table: https://www.unicode.org/policies/property_value_stability_table.html), these 65 code points;
// a test compares the two spellings over every code point.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what the pattern refuses.
const USERNAME_PATTERN = /^[^\s\x00-\x1f\x7f-\x9f]{1,128}$/u;

/** Where a user lives in Cognito: a pool id and a user name of Cognito's shape. */
export function validateDirectoryUser(user: DirectoryUserRef): DirectoryUserRef {
  assertUserPoolId(String(user.userPoolId));
  if (typeof user.username !== 'string' || !USERNAME_PATTERN.test(user.username)) {
    throw new InvalidInputError('invalid Cognito user name', 'username');
  }
  return user;
}
