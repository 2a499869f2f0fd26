import { isValidTenantId } from '../registry/tenant-id';
import type { ReasonCode } from '../runtime/reason-codes';
import type { ClaimNames } from '../tokens/claim-names';

/** Who a verified token speaks for, as far as authorization cares. */
export interface CallerIdentity {
  readonly sub: string;
  readonly tenantId: string;
  readonly tier: string;
  /** The configured role groups among `cognito:groups`, in token order (empty when there are none). */
  readonly groups: readonly string[];
  /** The user pool that issued the token (from its verified `iss`). */
  readonly poolId: string;
  /** The token's `exp`, in seconds since the epoch. */
  readonly expiresAt: number;
}

/** The context an authorizer passes to the backend: strings only (REST APIs accept nothing richer reliably). */
export interface AuthorizerContext {
  readonly [key: string]: string;
  readonly tenantId: string;
  readonly tier: string;
  /** Comma-joined role groups. */
  readonly groups: string;
  readonly sub: string;
}

const TIER = /^[a-z][a-z0-9-]{0,31}$/;
const MAX_SUB = 256;
const MAX_GROUPS = 100; // Cognito's limit of groups per user.

/**
 * Reads the caller from the claims of a token whose signature and standard claims are already verified.
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
  names: ClaimNames,
  roleGroups: ReadonlySet<string>,
): { readonly caller: CallerIdentity } | { readonly reason: ReasonCode } {
  const { sub, exp, iss } = claims;
  const tenantId = claims[names.tenantId];
  const tier = claims[names.tier];
  const groups = claims['cognito:groups'];
  if (typeof sub !== 'string' || sub === '' || sub.length > MAX_SUB) return { reason: 'missing-sub-claim' };
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return { reason: 'missing-exp-claim' };
  // aws-jwt-verify checked `iss` against the configured pools: its last segment is one of their ids.
  const poolId = typeof iss === 'string' ? iss.slice(iss.lastIndexOf('/') + 1) : '';
  if (poolId === '') return { reason: 'missing-iss-claim' };
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
  return { caller: { sub, tenantId, tier, groups: groupList, poolId, expiresAt: exp } };
}

/** The backend context for a caller. */
export function authorizerContext(caller: CallerIdentity): AuthorizerContext {
  return { tenantId: caller.tenantId, tier: caller.tier, groups: caller.groups.join(','), sub: caller.sub };
}
