import { JwtVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import { JwtInvalidIssuerError, ParameterValidationError } from 'aws-jwt-verify/error';
import { type JwksCache, SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { decomposeUnverifiedJwt } from 'aws-jwt-verify/jwt';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { type CognitoIssuer, cognitoIssuers, type UserPoolIssuers } from './cognito-issuers.js';

/** What a Cognito token verifier checks; every field is explicit (aws-jwt-verify's `null` escapes are not offered). */
export interface CognitoJwtVerifierOptions {
  /** The pools whose tokens are accepted, each with its issuer forms and replica Regions. */
  readonly userPools: readonly UserPoolIssuers[];
  /** App client ids accepted for every pool (`client_id` of access tokens, `aud` of ID tokens). */
  readonly clientIds: readonly string[];
  readonly tokenUse: 'access' | 'id';
  /** Overrides where keys come from (a local emulator, a test); Cognito's JWKS URL of each issuer otherwise. */
  readonly jwksCache?: JwksCache | undefined;
}

/** A verifier of Cognito tokens over an explicit set of issuers. */
export interface CognitoJwtVerifier {
  /** The signature, issuer, token use, client and lifetime checked; the payload, or aws-jwt-verify's error. */
  verify(token: string): Promise<JwtPayload>;
  /** Fetches the keys of every issuer; resolves when at least one was fetched (aws-jwt-verify `hydrate`). */
  hydrate(): Promise<void>;
  /** The accepted issuers. */
  readonly issuers: readonly CognitoIssuer[];
}

const CLIENT_ID = /^[\w+]{1,128}$/;

/**
 * aws-jwt-verify's generic `JwtVerifier` over exactly the configured issuers (`cognitoIssuers`), each checked with
 * aws-jwt-verify's own Cognito field checks (token use, client id): what `CognitoJwtVerifier` does, except that it
 * registers both issuer forms of the primary Region for every pool and no replica Region, where this registers
 * what the pool is configured to issue. Throws a `TypeError` on an invalid configuration.
 */
export function createCognitoJwtVerifier(options: CognitoJwtVerifierOptions): CognitoJwtVerifier {
  const { clientIds, tokenUse } = options;
  if (tokenUse !== 'access' && tokenUse !== 'id') throw new TypeError('tokenUse must be "access" or "id"');
  if (!Array.isArray(clientIds) || clientIds.length === 0) throw new TypeError('clientIds must list at least one');
  for (const clientId of clientIds) {
    if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
      throw new TypeError(`"${String(clientId)}" is not an app client id`);
    }
  }
  const issuers = cognitoIssuers(options.userPools);
  const clientId = [...clientIds];
  const properties = issuers.map(({ issuer, jwksUri }) => ({
    issuer,
    jwksUri,
    // The audience of a Cognito token depends on its use: checked below, as CognitoJwtVerifier does.
    audience: null,
    customJwtCheck: ({ payload }: { payload: JwtPayload }) => validateCognitoJwtFields(payload, { tokenUse, clientId }),
  }));
  const accepted = issuers.map(({ issuer }) => issuer);
  const checkIssuer = (iss: unknown): void => {
    if (typeof iss !== 'string' || !accepted.includes(iss)) {
      throw new JwtInvalidIssuerError('Issuer not allowed', iss as string | undefined, accepted);
    }
  };
  const verifier = JwtVerifier.create(properties, {
    jwksCache: issuerCheckedJwksCache(options.jwksCache ?? new SimpleJwksCache(), checkIssuer),
  });
  return {
    async verify(token) {
      try {
        return await verifier.verify(token);
      } catch (error) {
        // With several issuers, aws-jwt-verify looks `iss` up itself before any key, and reports one it was not
        // configured for as a parameter error: the same refusal, reported as the issuer's (decoded again only
        // on this failure path).
        if (error instanceof ParameterValidationError) checkIssuer(decomposeUnverifiedJwt(token).payload.iss);
        throw error;
      }
    },
    hydrate: () => verifier.hydrate(),
    issuers,
  };
}

/**
 * The key source, with the issuer checked before any key is looked up: aws-jwt-verify asks for the key with the
 * token it has already decomposed (once), before the signature and claim checks. With one issuer configured it
 * would otherwise look the key up in that issuer's JWKS whatever `iss` says and compare `iss` only after the
 * signature, so a token of another pool would be refused as an unknown key (and could make it fetch the keys
 * again) rather than for its issuer. Checking here costs no second decode of the token (about 7 µs).
 */
function issuerCheckedJwksCache(keys: JwksCache, checkIssuer: (iss: unknown) => void): JwksCache {
  return {
    getJwk(jwksUri, decomposedJwt) {
      checkIssuer(decomposedJwt.payload.iss);
      return keys.getJwk(jwksUri, decomposedJwt);
    },
    getCachedJwk(jwksUri, decomposedJwt) {
      checkIssuer(decomposedJwt.payload.iss);
      return keys.getCachedJwk(jwksUri, decomposedJwt);
    },
    addJwks: (jwksUri, jwks) => keys.addJwks(jwksUri, jwks),
    getJwks: (jwksUri) => keys.getJwks(jwksUri),
  };
}
