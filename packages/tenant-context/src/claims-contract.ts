/**
 * The claims contract this library reads (docs/claims.md in the repository; the JSON Schemas under `schemas/`):
 * which versions it knows, the default claim names, and the value rules the schemas state. One place, so the
 * event reader and the token verifier cannot drift apart (the schema-equivalence tests check both).
 */

/**
 * Highest claims contract version (the suite's `TENANCY_CLAIMS_VERSION`, 1-999). A new version renames tenant
 * claims (docs/claims.md in the repository); the value rules of each claim, checked here, stay those of version 1.
 */
export const MAX_CLAIMS_VERSION = 999;

/** Whether `value` is a claims contract version: an integer from 1 to `MAX_CLAIMS_VERSION`. */
export function isClaimsVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_CLAIMS_VERSION;
}

/** Claim names in tokens (configurable in the suite: `TENANCY_TENANT_ID_CLAIM` and friends). */
export interface ClaimNames {
  readonly tenantId: string;
  readonly tier: string;
  /** The integer claims contract version. */
  readonly version: string;
}

/** The suite's default claim names. */
export const DEFAULT_CLAIM_NAMES: ClaimNames = { tenantId: 'tenantId', tier: 'tier', version: 'tenancy:v' };

/** A tenant id: what the registry accepts, and safe inside IAM ARNs (no `*` or `?`). */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** A tier name. */
export const TIER_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
/**
 * A version as text: the canonical decimal of an integer from 1 to `MAX_CLAIMS_VERSION` (no sign, no leading
 * zero). The authorizer context carries it so (context values are strings), and so can ID tokens of pre token
 * generation event version 1 (string claims only).
 */
export const VERSION_TEXT_PATTERN = /^[1-9][0-9]{0,2}$/;
/** Longest `sub` accepted. */
export const MAX_SUB_LENGTH = 256;
/** Cognito's limit of groups per user. */
export const MAX_GROUPS = 100;

/**
 * Validates a list of versions a caller accepts: non-empty, no duplicates, every one an integer from 1 to
 * `MAX_CLAIMS_VERSION`. Returns it as a set; throws a `TypeError` naming the option otherwise (a programming
 * error, found at start-up).
 */
export function acceptedVersionSet(versions: readonly number[] | undefined, option: string): ReadonlySet<number> {
  if (!Array.isArray(versions) || versions.length === 0) {
    throw new TypeError(`${option} must list at least one claims version`);
  }
  const set = new Set<number>();
  for (const version of versions) {
    if (!isClaimsVersion(version)) {
      throw new TypeError(`${option}: ${String(version)} is not a claims version (1-${MAX_CLAIMS_VERSION})`);
    }
    if (set.has(version)) throw new TypeError(`${option} lists version ${version} twice`);
    set.add(version);
  }
  return set;
}
