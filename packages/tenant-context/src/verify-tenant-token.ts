import { FetchError, JwksNotAvailableInCacheError, WaitPeriodNotYetEndedJwkError } from 'aws-jwt-verify/error';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import {
  acceptedVersionSet,
  type ClaimNames,
  DEFAULT_CLAIM_NAMES,
  isClaimsVersion,
  MAX_GROUPS,
  MAX_SUB_LENGTH,
  TENANT_ID_PATTERN,
  TIER_PATTERN,
  VERSION_TEXT_PATTERN,
} from './claims-contract.js';
import type { CognitoIssuer, UserPoolIssuers } from './cognito-issuers.js';
import { createCognitoJwtVerifier } from './cognito-jwt-verifier.js';
import type { TenantContext } from './tenant-context.js';
import { TenantTokenError } from './tenant-context-error.js';

/**
 * How `verifyTenantToken` checks a token. Every security-relevant option is required: pools with their issuer
 * forms and replica Regions, app clients, token use and claims versions. None has a permissive default.
 */
export interface TenantTokenOptions {
  /** The pools whose tokens are accepted (see `UserPoolIssuers`: issuer forms, replica Regions). */
  readonly userPools: readonly UserPoolIssuers[];
  /** App client ids accepted for every pool. */
  readonly clientIds: readonly string[];
  /** `access` for API calls (the suite's default), `id` for ID tokens. */
  readonly tokenUse: 'access' | 'id';
  /** Claims versions accepted: one, or two during a migration window. */
  readonly acceptedVersions: readonly number[];
  /** Claim names when the suite was configured with others (`TENANCY_TENANT_ID_CLAIM`…); the defaults otherwise. */
  readonly claimNames?: Partial<ClaimNames>;
  /**
   * Claim names of particular versions, over `claimNames`: during a rename window (the suite's
   * `TENANCY_CLAIM_RENAMES`), the previous version's names, e.g. `{ 1: { tenantId: 'tenantId' } }` while version 2
   * tokens carry `org`. The version claim itself is never renamed.
   */
  readonly claimNamesByVersion?: Readonly<Record<number, Partial<Omit<ClaimNames, 'version'>>>>;
  /** Where keys come from, when not Cognito's JWKS URL of each issuer (an emulator, tests). */
  readonly jwksCache?: JwksCache;
}

/** A verified tenant token's caller: the tenant context, plus where the token came from. */
export interface TenantClaims extends TenantContext {
  readonly tokenUse: 'access' | 'id';
  /** The token's issuer (one of the configured ones) and the pool it names. */
  readonly issuer: string;
  readonly userPoolId: string;
  /** `exp`, in seconds since the epoch. */
  readonly expiresAt: number;
}

/** A verifier built once from `TenantTokenOptions` (create it at module scope; it caches the keys). */
export interface TenantTokenVerifier {
  /** Verifies a token (without a `Bearer ` prefix); rejects with `TenantTokenError`. */
  verify(token: string): Promise<TenantClaims>;
  /** Fetches the keys at start-up, so the first request does not wait for them. */
  hydrate(): Promise<void>;
  readonly issuers: readonly CognitoIssuer[];
}

const RESERVED = new Set(['sub', 'iss', 'exp', 'iat', 'nbf', 'aud', 'jti', 'token_use', 'client_id', 'cognito:groups']);

/**
 * Creates a verifier of tenant tokens for a service not behind API Gateway: aws-jwt-verify checks signature,
 * issuer (exactly the configured ones), token use, client and lifetime; then the tenant claims are checked
 * against the claims contract (the JSON Schemas of each version) and the version against `acceptedVersions`.
 * Throws a `TypeError` on an invalid option.
 */
export function createTenantTokenVerifier(options: TenantTokenOptions): TenantTokenVerifier {
  const accepted = acceptedVersionSet(options.acceptedVersions, 'acceptedVersions');
  const names = claimNamesOf(options.claimNames);
  const namesByVersion = new Map<number, ClaimNames>();
  for (const [version, overrides] of Object.entries(options.claimNamesByVersion ?? {})) {
    if (!accepted.has(Number(version))) {
      throw new TypeError(`claimNamesByVersion: version ${version} is not in acceptedVersions`);
    }
    namesByVersion.set(Number(version), claimNamesOf({ ...names, ...overrides, version: names.version }));
  }
  const jwt = createCognitoJwtVerifier(options);
  return {
    issuers: jwt.issuers,
    hydrate: () => jwt.hydrate(),
    async verify(token) {
      let payload: Readonly<Record<string, unknown>>;
      try {
        payload = await jwt.verify(token);
      } catch (error) {
        throw jwtFailure(error);
      }
      return tenantClaimsOf(payload, options.tokenUse, names, namesByVersion, accepted, jwt.issuers);
    },
  };
}

const verifiers = new WeakMap<TenantTokenOptions, TenantTokenVerifier>();

/**
 * Verifies a tenant token with `options` (see `createTenantTokenVerifier`). The verifier, and so its key cache,
 * is kept per options object: pass the same object every time (define it once, at module scope).
 */
export async function verifyTenantToken(token: string, options: TenantTokenOptions): Promise<TenantClaims> {
  let verifier = verifiers.get(options);
  if (verifier === undefined) {
    verifier = createTenantTokenVerifier(options);
    verifiers.set(options, verifier);
  }
  return verifier.verify(token);
}

function claimNamesOf(given: Partial<ClaimNames> | undefined): ClaimNames {
  const names = { ...DEFAULT_CLAIM_NAMES, ...given };
  for (const name of Object.values(names)) {
    if (typeof name !== 'string' || name === '' || RESERVED.has(name)) {
      throw new TypeError(`claimNames: "${String(name)}" cannot name a tenant claim`);
    }
  }
  if (new Set(Object.values(names)).size !== 3) throw new TypeError('claimNames must be three different names');
  return names;
}

function jwtFailure(error: unknown): TenantTokenError {
  const unavailable =
    error instanceof FetchError ||
    error instanceof JwksNotAvailableInCacheError ||
    error instanceof WaitPeriodNotYetEndedJwkError;
  return unavailable
    ? new TenantTokenError('jwks-unavailable', undefined, 'the signing keys could not be fetched', { cause: error })
    : new TenantTokenError('invalid-token', undefined, 'the token is not valid', { cause: error });
}

/** The token's tenant claims, checked as the claims contract's schemas state them (version 1). */
function tenantClaimsOf(
  payload: Readonly<Record<string, unknown>>,
  tokenUse: 'access' | 'id',
  defaultNames: ClaimNames,
  namesByVersion: ReadonlyMap<number, ClaimNames>,
  accepted: ReadonlySet<number>,
  issuers: readonly CognitoIssuer[],
): TenantClaims {
  const { sub, exp, iss } = payload;
  const version = versionOf(payload[defaultNames.version], tokenUse);
  if (version === undefined) throw invalid(defaultNames.version);
  const names = namesByVersion.get(version) ?? defaultNames;
  if (!accepted.has(version)) {
    throw new TenantTokenError(
      'unsupported-version',
      names.version,
      `claims version ${version} is not accepted (accepted: ${[...accepted].join(', ')})`,
    );
  }
  const tenantId = payload[names.tenantId];
  const tier = payload[names.tier];
  const groups = payload['cognito:groups'];
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUB_LENGTH) throw invalid('sub');
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId)) throw invalid(names.tenantId);
  if (typeof tier !== 'string' || !TIER_PATTERN.test(tier)) throw invalid(names.tier);
  if (groups !== undefined && !isGroupList(groups)) throw invalid('cognito:groups');
  const tenantAttribute = payload['custom:tenantId'];
  if (
    tenantAttribute !== undefined &&
    (typeof tenantAttribute !== 'string' || !TENANT_ID_PATTERN.test(tenantAttribute))
  ) {
    throw invalid('custom:tenantId');
  }
  // aws-jwt-verify matched `iss` against the configured issuers and checked `exp`; both are read from there.
  const issuer = issuers.find((candidate) => candidate.issuer === iss);
  if (issuer === undefined || typeof exp !== 'number' || !Number.isInteger(exp)) throw invalid('iss');
  return {
    tenantId,
    tier,
    groups: groups === undefined ? [] : [...groups],
    sub,
    claimsVersion: version,
    tokenUse,
    issuer: issuer.issuer,
    userPoolId: issuer.userPoolId,
    expiresAt: exp,
  };
}

/**
 * The version claim: an integer; in ID tokens also its decimal text, since pre token generation event version 1
 * can only add string claims to ID tokens.
 */
function versionOf(value: unknown, tokenUse: 'access' | 'id'): number | undefined {
  if (typeof value === 'number') return isClaimsVersion(value) ? value : undefined;
  if (tokenUse === 'id' && typeof value === 'string' && VERSION_TEXT_PATTERN.test(value)) return Number(value);
  return undefined;
}

function isGroupList(value: unknown): value is readonly string[] {
  return (
    Array.isArray(value) &&
    value.length <= MAX_GROUPS &&
    value.every((group) => typeof group === 'string' && group.length > 0)
  );
}

function invalid(claim: string): TenantTokenError {
  return new TenantTokenError('invalid-claims', claim, `the token carries no well-formed ${claim} claim`);
}
