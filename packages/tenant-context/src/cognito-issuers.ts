/**
 * The issuers a Cognito user pool's tokens may carry, by explicit configuration. Cognito has two issuer forms
 * (API reference, `IssuerConfigurationType`): the original `https://cognito-idp.<region>.amazonaws.com/<poolId>`
 * and the updated `https://issuer-cognito-idp.<primary region>.amazonaws.com/<poolId>`. A pool replicated into
 * other Regions (multi-Region replication) keeps its id, with the primary Region in it; with the updated form its
 * tokens carry the primary Region wherever they were issued, with the original form the Region of the endpoint
 * that issued them (aws-jwt-verify issue #282). So each accepted issuer is listed here, exactly: a Region or a
 * form nobody configured is refused, and nothing is matched by pattern.
 */

/** `original`: `https://cognito-idp.<region>…`; `updated`: `https://issuer-cognito-idp.<primary region>…`. */
export type IssuerForm = 'original' | 'updated';

/** One user pool's accepted issuers. Every field is required: there is no default form or Region list. */
export interface UserPoolIssuers {
  /** The pool id, `<primary region>_<id>`; replicas share it. */
  readonly userPoolId: string;
  /**
   * The issuer forms the pool's tokens carry: its `IssuerConfiguration` type (`original` for a pool that never
   * switched; both while switching, so tokens issued before the switch stay valid until they expire).
   */
  readonly issuerForms: readonly IssuerForm[];
  /**
   * The Regions the pool is replicated into (empty for none). They matter for the original form only: the
   * updated form names the primary Region in every Region.
   */
  readonly replicaRegions: readonly string[];
}

/** An accepted issuer and the JWKS location Cognito publishes for it. */
export interface CognitoIssuer {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly userPoolId: string;
}

// aws-jwt-verify's own pattern for pool ids (CognitoJwtVerifier.USER_POOL_ID_REGEX); the region comes first.
const REGION = '(?:eusc-[a-z]{2}|[a-z]{2})-(?:gov-)?[a-z]+-\\d';
const USER_POOL_ID = new RegExp(`^(${REGION})_[a-zA-Z0-9]+$`);
const REGION_NAME = new RegExp(`^${REGION}$`);

/**
 * Every issuer the given pools' tokens may carry, each with its JWKS URI. Throws a `TypeError` naming the
 * problem on an ill-formed pool id or Region, an empty or repeated form, a repeated pool or replica Region, the
 * primary Region listed as a replica, or replica Regions without the original form (they would change nothing).
 */
export function cognitoIssuers(pools: readonly UserPoolIssuers[]): CognitoIssuer[] {
  if (!Array.isArray(pools) || pools.length === 0) throw new TypeError('at least one user pool is required');
  const issuers: CognitoIssuer[] = [];
  const seen = new Set<string>();
  for (const pool of pools) {
    const { userPoolId, issuerForms, replicaRegions } = pool;
    const primary = USER_POOL_ID.exec(userPoolId)?.[1];
    if (primary === undefined) throw new TypeError(`"${String(userPoolId)}" is not a user pool id`);
    if (seen.has(userPoolId)) throw new TypeError(`user pool ${userPoolId} is listed twice`);
    seen.add(userPoolId);
    checkForms(userPoolId, issuerForms);
    checkReplicaRegions(userPoolId, primary, issuerForms, replicaRegions);
    const hosts: string[] = [];
    if (issuerForms.includes('original')) {
      hosts.push(...[primary, ...replicaRegions].map((region) => `https://cognito-idp.${region}.amazonaws.com`));
    }
    if (issuerForms.includes('updated')) hosts.push(`https://issuer-cognito-idp.${primary}.amazonaws.com`);
    for (const host of hosts) {
      const issuer = `${host}/${userPoolId}`;
      issuers.push({ issuer, jwksUri: `${issuer}/.well-known/jwks.json`, userPoolId });
    }
  }
  return issuers;
}

function checkForms(userPoolId: string, forms: readonly IssuerForm[]): void {
  if (!Array.isArray(forms) || forms.length === 0) {
    throw new TypeError(`user pool ${userPoolId}: issuerForms must list "original", "updated" or both`);
  }
  for (const form of forms) {
    if (form !== 'original' && form !== 'updated') {
      throw new TypeError(`user pool ${userPoolId}: "${String(form)}" is not an issuer form (original, updated)`);
    }
  }
  if (new Set(forms).size !== forms.length) throw new TypeError(`user pool ${userPoolId}: an issuer form is repeated`);
}

function checkReplicaRegions(
  userPoolId: string,
  primary: string,
  forms: readonly IssuerForm[],
  regions: readonly string[],
): void {
  if (!Array.isArray(regions)) throw new TypeError(`user pool ${userPoolId}: replicaRegions must be a list`);
  for (const region of regions) {
    if (typeof region !== 'string' || !REGION_NAME.test(region)) {
      throw new TypeError(`user pool ${userPoolId}: "${String(region)}" is not a Region name`);
    }
    if (region === primary) throw new TypeError(`user pool ${userPoolId}: ${region} is its primary Region`);
  }
  if (new Set(regions).size !== regions.length) throw new TypeError(`user pool ${userPoolId}: a Region is repeated`);
  if (regions.length > 0 && !forms.includes('original')) {
    throw new TypeError(
      `user pool ${userPoolId}: replica Regions apply to the original issuer form only (updated issuers name the primary Region)`,
    );
  }
}
