import { TENANT_ID_ATTRIBUTE } from '../cognito/tenant-id-attribute';
import type { Membership, Tenant } from '../registry/tenant';
import { TenancyError } from '../runtime/errors';
import { parseIdpGroups } from './idp-groups';
import type { PreTokenConfig } from './pre-token-config';
import { stringAttribute, type UserTokenRequest } from './pre-token-event';
import { isReservedClaim } from './reserved-claims';

/**
 * A claim value in a V2/V3 response: strings, numbers, booleans, arrays and objects are all allowed there
 * (`@types/aws-lambda` types it as string only, which is too narrow). V1 responses carry strings only.
 */
export type ClaimValue = string | number | boolean | readonly ClaimValue[] | { readonly [name: string]: ClaimValue };

/**
 * `groupOverrideDetails`: replaces `cognito:groups` in both tokens, and empties `cognito:roles`. Group IAM roles
 * are computed from every group the user is in, platform groups included; a tenant token carries none of them
 * (map tenant roles to IAM in the identity pool by the `cognito:groups`/`tenantId` claims instead).
 */
export interface GroupOverride {
  readonly groupsToOverride: string[];
  readonly iamRolesToOverride: string[];
}

/** Claims changes for one token. */
export interface TokenClaimsOverride {
  readonly claimsToAddOrOverride: Record<string, ClaimValue>;
  readonly claimsToSuppress?: string[];
}

/** Response of a version "0"/"1" event. */
export interface V1Response {
  readonly claimsOverrideDetails: {
    readonly claimsToAddOrOverride: Record<string, string>;
    readonly claimsToSuppress?: string[];
    readonly groupOverrideDetails: GroupOverride;
  };
}

/** Response of a version "2"/"3" event. */
export interface V2Response {
  readonly claimsAndScopeOverrideDetails: {
    readonly idTokenGeneration?: TokenClaimsOverride;
    readonly accessTokenGeneration?: TokenClaimsOverride;
    readonly groupOverrideDetails?: GroupOverride;
  };
}

/** What the trigger puts into `event.response`. */
export type PreTokenResponse = V1Response | V2Response;

/** The parts of the configuration that claim shaping reads. */
export type ClaimsConfig = Pick<PreTokenConfig, 'claimNames' | 'roleGroups' | 'idpGroupsAttribute'>;

/** Claim shaping for one configuration; keeps a small memo of which attribute names collide. */
export interface ClaimShaper {
  /**
   * Override details for a user's tokens (any event version) in `tenant`, where the user holds `membership`
   * (active, checked by the caller). `session` is true when the tenant is a per-session choice
   * (`clientMetadata`) rather than the user's `custom:tenantId`.
   */
  user(request: UserTokenRequest, tenant: Tenant, membership: Membership, session?: boolean): PreTokenResponse;
  /** Override details for a V3 client-credentials access token. */
  client(tenant: Tenant): V2Response;
}

// Attribute names seen in one container are few (≤ 50 custom + the standard ones); the bound only keeps
// unusual traffic from growing the memo without limit.
const MEMO_LIMIT = 512;
const NONE: readonly string[] = [];
// Compared after lowercasing and dropping separators, so `custom:Tenant_ID` and `custom:tenantid` match.
const normalize = (name: string) =>
  name
    .replace(/^(?:dev:)?custom:/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/**
 * Creates the pure claim shaper for a configuration. Tenant claims come only from the tenant record (looked
 * up by the authoritative `custom:tenantId`), never from attributes, client metadata or IdP values.
 *
 * Decisions encoded here (and specified by the unit tests):
 * - Every token carries the claims contract version (`tenancy:v` by default) next to the tenant claims, and
 *   during a rename window (`now` before its end) each old claim name next to its new one, with the same value.
 * - `cognito:groups` becomes the membership's role in the token's tenant, plus roles mapped from that tenant's
 *   `roleMappings` for a user who joined it through its identity provider, restricted to the configured role
 *   set and listed in its order. The user's Cognito groups — a role held in another tenant, platform groups —
 *   are never copied: the override is the contract, not an addition to it (docs/memberships.md).
 * - IdP group names are read only for federated users (Cognito sets `identities`) whose membership of this
 *   tenant came from its IdP binding (source `idp`): for a user of the pool itself the IdP-mapped attribute is
 *   merely a client-writable attribute, and another tenant's IdP groups mean nothing here.
 * - For a per-session tenant that differs from `custom:tenantId`, the ID token's `custom:tenantId` is
 *   suppressed, so one token never names two tenants.
 * - Attributes that look like tenant claims (`custom:tier`, `custom:tenant`, `custom:TenantID`, …) are
 *   suppressed in the ID token, except `custom:tenantId` itself (the authoritative value the `tenantId`
 *   claim repeats) and any claim this response overrides (suppression would win over the override).
 *   Reserved claims are never added or suppressed.
 */
export function createClaimShaper(config: ClaimsConfig, now: () => number = Date.now): ClaimShaper {
  const { claimNames, roleGroups, idpGroupsAttribute } = config;
  const migration = claimNames.migration;
  // Every claim this suite writes: the tenant claims, the version claim, and old names during a rename window.
  const written = new Set([
    claimNames.tenantId,
    claimNames.tier,
    claimNames.version,
    ...(migration?.renames.keys() ?? []),
  ]);
  const collisionTargets = new Set([...[...written].map(normalize), 'tier']);
  const memo = new Map<string, boolean>();

  const collides = (name: string): boolean => {
    let result = memo.get(name);
    if (result === undefined) {
      const normalized = normalize(name);
      result =
        name !== TENANT_ID_ATTRIBUTE &&
        !written.has(name) &&
        !isReservedClaim(name) &&
        (normalized.startsWith('tenant') || collisionTargets.has(normalized));
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(name, result);
    }
    return result;
  };

  // In the order Cognito lists the attributes (stable per user); Cognito does not care about the order.
  const suppressed = (attributes: Readonly<Record<string, unknown>>): string[] => {
    const names: string[] = [];
    for (const name of Object.keys(attributes)) if (collides(name)) names.push(name);
    return names;
  };

  // A tenant's role mappings as a Map, built once per tenant record (a reloaded record is a new key). Group
  // names parsed from an event are new strings: as object keys each lookup would first internalise them,
  // which costs more than the parse; a Map only hashes them. A Map also has no prototype to trip over.
  const mappings = new WeakMap<Tenant, ReadonlyMap<string, string>>();
  const mappingsOf = (tenant: Tenant): ReadonlyMap<string, string> => {
    let map = mappings.get(tenant);
    if (map === undefined) {
      map = new Map(Object.entries(tenant.roleMappings));
      mappings.set(tenant, map);
    }
    return map;
  };

  const mappedRoles = (request: UserTokenRequest, tenant: Tenant, membership: Membership): readonly string[] => {
    if (idpGroupsAttribute === undefined || membership.source !== 'idp') return NONE;
    const value = stringAttribute(request.userAttributes, idpGroupsAttribute);
    if (value === undefined || !isFederated(request.userAttributes)) return NONE;
    const map = mappingsOf(tenant);
    const roles: string[] = [];
    for (const group of parseIdpGroups(value)) {
      const role = map.get(group);
      if (role !== undefined) roles.push(role);
    }
    return roles;
  };

  const groupsFor = (request: UserTokenRequest, tenant: Tenant, membership: Membership): string[] => {
    const mapped = mappedRoles(request, tenant, membership);
    // Filtering the configured list keeps the order stable and makes anything outside the role set —
    // platform groups, per-app groups, unknown mapping targets — impossible by construction.
    return roleGroups.filter((role) => role === membership.role || mapped.includes(role));
  };

  // The version claim: the integer where the response allows one (V2/V3), its decimal string in V1 responses,
  // whose claim values are strings only (schemas: id-token-claims.v1 accepts both forms).
  const versionText = String(claimNames.claimsVersion);
  const withRenames = <T extends ClaimValue>(claims: Record<string, T>): Record<string, T> => {
    // During a rename window each old name carries its new name's value, so readers of either name keep working.
    if (migration !== undefined && now() < migration.untilMs) {
      for (const [oldName, claim] of migration.renames) claims[oldName] = claims[claimNames[claim]] as T;
    }
    return claims;
  };
  const tenantClaims = (tenant: Tenant): Record<string, string> =>
    withRenames({
      [claimNames.tenantId]: tenant.tenantId,
      [claimNames.tier]: tenant.tier,
      [claimNames.version]: versionText,
    });
  const tenantClaimsV2 = (tenant: Tenant): Record<string, ClaimValue> =>
    withRenames<ClaimValue>({
      [claimNames.tenantId]: tenant.tenantId,
      [claimNames.tier]: tenant.tier,
      [claimNames.version]: claimNames.claimsVersion,
    });

  return {
    user(request, tenant, membership, session = false) {
      const active = stringAttribute(request.userAttributes, TENANT_ID_ATTRIBUTE);
      if (
        membership.tenantId !== tenant.tenantId ||
        membership.sub !== request.sub ||
        (!session && active !== tenant.tenantId)
      ) {
        // The caller looked the tenant and membership up for this user; anything else is a bug, and bugs fail closed.
        throw new TenancyError(`tenant record ${tenant.tenantId} does not match the user's membership or tenant`);
      }
      const groupOverrideDetails = { groupsToOverride: groupsFor(request, tenant, membership), iamRolesToOverride: [] };
      const toSuppress = suppressed(request.userAttributes);
      // A session in another tenant than custom:tenantId: the ID token must not name both.
      if (active !== undefined && active !== tenant.tenantId) toSuppress.push(TENANT_ID_ATTRIBUTE);
      // Built literally (no spreads, no optional keys added later): every response object of a kind has one
      // shape, which keeps this path monomorphic and well under a microsecond.
      if (request.format === 'v1') {
        return {
          claimsOverrideDetails:
            toSuppress.length > 0
              ? { claimsToAddOrOverride: tenantClaims(tenant), claimsToSuppress: toSuppress, groupOverrideDetails }
              : { claimsToAddOrOverride: tenantClaims(tenant), groupOverrideDetails },
        };
      }
      const idToken =
        toSuppress.length > 0
          ? { claimsToAddOrOverride: tenantClaimsV2(tenant), claimsToSuppress: toSuppress }
          : { claimsToAddOrOverride: tenantClaimsV2(tenant) };
      return {
        claimsAndScopeOverrideDetails: {
          // Access tokens carry no user attributes, so only the ID token needs suppressions.
          idTokenGeneration: idToken,
          accessTokenGeneration: { claimsToAddOrOverride: tenantClaimsV2(tenant) },
          groupOverrideDetails,
        },
      };
    },
    client(tenant) {
      return {
        claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: tenantClaimsV2(tenant) } },
      };
    },
  };
}

/**
 * Whether Cognito marks the user as federated: `identities` (a reserved attribute only Cognito writes) holds
 * a non-empty JSON list of linked IdPs. Its shape is checked, not parsed: the value is Cognito's, and
 * parsing it on every token would cost more than the rest of claim shaping.
 */
function isFederated(attributes: Readonly<Record<string, unknown>>): boolean {
  const identities = stringAttribute(attributes, 'identities');
  return identities !== undefined && /^\s*\[\s*\{/.test(identities);
}
