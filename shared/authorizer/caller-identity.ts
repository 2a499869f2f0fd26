import { isValidTenantId } from '../registry/tenant-id';
import type { ReasonCode } from '../runtime/reason-codes';
import { type ClaimsContract, claimsVersionOf, namesForVersion } from '../tokens/claim-names';

/** Who a verified token speaks for, as far as authorization cares. */
export interface CallerIdentity {
  readonly sub: string;
  readonly tenantId: string;
  readonly tier: string;
  /** The configured role groups among `cognito:groups`, in token order (empty when there are none). */
  readonly groups: readonly string[];
  /** The user pool that issued the token (from its verified `iss`). */
  readonly poolId: string;
  /**
   * The token's `exp`, in seconds since the epoch, or the end of the rename window for a token of the previous
   * claims version, whichever comes first: a memoized caller is never served past either.
   */
  readonly expiresAt: number;
  /** The claims contract version the token carries (docs/claims.md "Claims contract"). */
  readonly claimsVersion: number;
}

/** The context an authorizer passes to the backend: strings only (REST APIs accept nothing richer reliably). */
export interface AuthorizerContext {
  readonly [key: string]: string;
  readonly tenantId: string;
  readonly tier: string;
  /** Comma-joined role groups. */
  readonly groups: string;
  readonly sub: string;
  /** The token's claims contract version, in decimal. */
  readonly claimsVersion: string;
}

const TIER = /^[a-z][a-z0-9-]{0,31}$/;
const MAX_SUB = 256;
const MAX_GROUPS = 100; // Cognito's limit of groups per user.

/**
 * Reads the caller from the claims of a token whose signature and standard claims are already verified.
 * The claims contract version comes first: missing, malformed or not accepted at `nowMs` (neither the current
 * version nor, while a rename window is open, the previous one) is a refusal; it picks the claim names.
 * Returns a reason instead when the token does not carry what the pre-token trigger writes: such a token
 * was not shaped by this suite and is refused (401), never given a default tenant. The tenant id must be
 * well-formed because it is written into policy ARNs, where `*` or `?` would be wildcards.
 *
 * Only the configured role groups are kept: they are what the suite vouches for (pre token generation puts
 * nothing else into tenant tokens), and none of them holds a comma, which would split one group into two in
 * the comma-joined context.
 */
export function callerIdentityFromClaims(
  claims: Readonly<Record<string, unknown>>,
  contract: ClaimsContract,
  roleGroups: ReadonlySet<string>,
  nowMs: number = Date.now(),
): { readonly caller: CallerIdentity } | { readonly reason: ReasonCode } {
  const { sub, exp, iss } = claims;
  if (typeof sub !== 'string' || sub === '' || sub.length > MAX_SUB) return { reason: 'missing-sub-claim' };
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return { reason: 'missing-exp-claim' };
  // aws-jwt-verify checked `iss` against the configured pools: its last segment is one of their ids.
  const poolId = typeof iss === 'string' ? iss.slice(iss.lastIndexOf('/') + 1) : '';
  if (poolId === '') return { reason: 'missing-iss-claim' };
  // The version says which names the tenant claims have: read first, and never guessed from the names present.
  const versionClaim = claims[contract.version];
  if (versionClaim === undefined) return { reason: 'missing-claims-version' };
  // Access tokens come only from V2/V3 events, which write the integer: the string form there was not ours.
  const claimsVersion =
    claims.token_use === 'access' && typeof versionClaim !== 'number' ? undefined : claimsVersionOf(versionClaim);
  const names = claimsVersion === undefined ? undefined : namesForVersion(contract, claimsVersion, nowMs);
  if (claimsVersion === undefined || names === undefined) return { reason: 'unknown-claims-version' };
  const tenantId = claims[names.tenantId];
  const tier = claims[names.tier];
  const groups = claims['cognito:groups'];
  if (tenantId === undefined) return { reason: 'missing-tenant-claim' };
  if (!isValidTenantId(tenantId)) return { reason: 'invalid-tenant-claim' };
  if (typeof tier !== 'string' || !TIER.test(tier)) return { reason: 'missing-tier-claim' };
  let groupList: string[] = [];
  if (groups !== undefined) {
    if (!Array.isArray(groups) || groups.length > MAX_GROUPS || !groups.every((group) => typeof group === 'string')) {
      return { reason: 'invalid-groups-claim' };
    }
    groupList = groups.filter((group) => roleGroups.has(group));
  }
  // A previous-version token is good only while the window is open (namesForVersion checked it is, now).
  const expiresAt =
    claimsVersion === contract.claimsVersion || contract.migration === undefined
      ? exp
      : Math.min(exp, Math.floor(contract.migration.untilMs / 1000));
  return { caller: { sub, tenantId, tier, groups: groupList, poolId, expiresAt, claimsVersion } };
}

/** The backend context for a caller. */
export function authorizerContext(caller: CallerIdentity): AuthorizerContext {
  return {
    tenantId: caller.tenantId,
    tier: caller.tier,
    groups: caller.groups.join(','),
    sub: caller.sub,
    claimsVersion: String(caller.claimsVersion),
  };
}
