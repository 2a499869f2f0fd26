import {
  cognitoIssuers,
  createCognitoJwtVerifier as createIssuersVerifier,
  type UserPoolIssuers,
} from '@cognito-tenancy/tenant-context';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwksNotAvailableInCacheError,
  JwtExpiredError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  ParameterValidationError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import { ConfigurationError } from '../runtime/errors';
import type { ReasonCode } from '../runtime/reason-codes';
import type { ClaimsContract } from '../tokens/claim-names';
import { type CallerIdentity, callerIdentityFromClaims } from './caller-identity';
import { injectedJwksCache } from './jwks-location';
import { TokenMemo } from './token-memo';

/** What the verifier needs to know about the pools it trusts. */
export interface VerifierSettings {
  readonly userPoolIds: readonly string[];
  /** Each pool with its accepted issuer forms and replica Regions (`userPoolIssuersFromEnv`). */
  readonly userPools: readonly UserPoolIssuers[];
  readonly clientIds: readonly string[];
  readonly tokenUse: 'access' | 'id';
  /** Injected JWKS location template (see `parseJwksLocation`); Cognito's own URL when absent. */
  readonly jwksUri?: string | undefined;
}

/** The part of aws-jwt-verify's verifier the authorizer uses. */
export interface JwtVerifier {
  verify(token: string): Promise<Readonly<Record<string, unknown>>>;
  hydrate(): Promise<void>;
}

/**
 * Creates the verifier of the configured pools: aws-jwt-verify over exactly the issuers each pool is configured
 * to issue (its issuer forms, its replica Regions: `createCognitoJwtVerifier` of @cognito-tenancy/tenant-context,
 * the code `verifyTenantToken` runs too), each with the configured token use and client ids (all explicit; no
 * check is ever skipped). Create it once per container and `hydrate()` it at cold start. `jwksCache` overrides
 * the key source (tests); otherwise an injected location from the settings is used, and otherwise Cognito's
 * JWKS URL of each issuer over HTTPS.
 */
export function createCognitoJwtVerifier(settings: VerifierSettings, jwksCache?: JwksCache): JwtVerifier {
  try {
    const cache =
      jwksCache ??
      (settings.jwksUri === undefined
        ? undefined
        : injectedJwksCache(settings.jwksUri, cognitoIssuers(settings.userPools)));
    const verifier = createIssuersVerifier({
      userPools: settings.userPools,
      clientIds: settings.clientIds,
      tokenUse: settings.tokenUse,
      jwksCache: cache,
    });
    return {
      verify: (token) => verifier.verify(token),
      hydrate: () => verifier.hydrate(),
    };
  } catch (error) {
    throw new ConfigurationError('invalid user pool configuration', 'TENANCY_USER_POOL_IDS', { cause: error });
  }
}

/** A verified caller, or why the token was refused (a short code, safe to log: never the token). */
export type Verification = { readonly caller: CallerIdentity } | { readonly reason: ReasonCode };

/**
 * Verifies bearer tokens: signature, issuer, client, token use and lifetime through aws-jwt-verify, then the
 * tenant claims. Successes are memoized (bounded, never past `exp`), so a repeated token costs a map lookup.
 */
export class TokenVerifier {
  readonly #memo: TokenMemo<CallerIdentity>;

  readonly #roleGroups: ReadonlySet<string>;

  /** `roleGroups`: the groups a caller's `groups` may hold (the configured role groups). */
  constructor(
    private readonly verifier: JwtVerifier,
    private readonly claimNames: ClaimsContract,
    memoSize: number,
    roleGroups: readonly string[],
    private readonly now: () => number = Date.now,
  ) {
    this.#memo = new TokenMemo(memoSize, now);
    this.#roleGroups = new Set(roleGroups);
  }

  /** Whether verified callers are memoized (the same caller object then comes back for a repeated token). */
  get memoizes(): boolean {
    return this.#memo.capacity > 0;
  }

  /** The caller of a token verified earlier and not yet expired, without any check; `undefined` otherwise. */
  memoized(token: string): CallerIdentity | undefined {
    return this.#memo.get(token);
  }

  /** Verifies `token`; never throws. */
  async verify(token: string): Promise<Verification> {
    const memoized = this.#memo.get(token);
    if (memoized !== undefined) return { caller: memoized };
    let claims: Readonly<Record<string, unknown>>;
    try {
      claims = await this.verifier.verify(token);
    } catch (error) {
      return { reason: verificationFailure(error) };
    }
    const result = callerIdentityFromClaims(claims, this.claimNames, this.#roleGroups, this.now());
    if ('caller' in result) this.#memo.set(token, result.caller);
    return result;
  }
}

/** A short reason code for an aws-jwt-verify failure (class checks survive minification; names would not). */
export function verificationFailure(error: unknown): ReasonCode {
  if (error instanceof JwtExpiredError) return 'expired';
  if (error instanceof JwtNotBeforeError) return 'not-yet-valid';
  if (error instanceof JwtInvalidIssuerError) return 'wrong-issuer';
  if (error instanceof CognitoJwtInvalidClientIdError) return 'wrong-client';
  if (error instanceof CognitoJwtInvalidTokenUseError) return 'wrong-token-use';
  if (error instanceof JwtInvalidSignatureAlgorithmError) return 'unsupported-algorithm';
  if (error instanceof JwtInvalidSignatureError) return 'bad-signature';
  if (error instanceof KidNotFoundInJwksError || error instanceof JwtWithoutValidKidError) return 'unknown-key';
  if (error instanceof JwtParseError) return 'malformed-jwt';
  if (
    error instanceof FetchError ||
    error instanceof JwksNotAvailableInCacheError ||
    error instanceof WaitPeriodNotYetEndedJwkError
  ) {
    return 'jwks-unavailable';
  }
  // The verifier reports an issuer it was not configured for as a parameter error.
  if (error instanceof ParameterValidationError) return 'wrong-issuer';
  return 'verification-failed';
}
