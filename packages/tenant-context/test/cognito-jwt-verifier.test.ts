import { JwtInvalidIssuerError, JwtParseError } from 'aws-jwt-verify/error';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_ID,
  cognitoClaims,
  createSigningKey,
  jwksOf,
  OTHER_POOL_ID,
  POOL_ID,
  signRs256,
} from '../../../test/support/jwt.js';
import { createCognitoJwtVerifier } from '../src/index.js';

describe('createCognitoJwtVerifier', () => {
  const userPools = [{ userPoolId: POOL_ID, issuerForms: ['original'] as const, replicaRegions: ['eu-west-1'] }];

  it("reads keys from Cognito's JWKS URI of each issuer when no key source is given", () => {
    // Act
    const verifier = createCognitoJwtVerifier({ userPools, clientIds: [CLIENT_ID], tokenUse: 'access' });

    // Assess
    expect(verifier.issuers.map(({ jwksUri }) => jwksUri)).toEqual([
      `https://cognito-idp.us-east-1.amazonaws.com/${POOL_ID}/.well-known/jwks.json`,
      `https://cognito-idp.eu-west-1.amazonaws.com/${POOL_ID}/.well-known/jwks.json`,
    ]);
  });

  it.each([
    ['no issuer at all', {}, JwtInvalidIssuerError],
    // aws-jwt-verify's own parser refuses a non-string `iss` already.
    ['an issuer that is not a string', { iss: ['https://cognito-idp.us-east-1.amazonaws.com/x'] }, JwtParseError],
  ])('refuses a token with %s before any key is fetched', async (_case, extra, refusal) => {
    // Prepare: no key source is reachable; the refusal must come first.
    const verifier = createCognitoJwtVerifier({ userPools, clientIds: [CLIENT_ID], tokenUse: 'access' });
    const claims = { ...cognitoClaims(), iss: undefined, ...extra };

    // Act
    const verified = verifier.verify(signRs256(claims, createSigningKey()));

    // Assess
    await expect(verified).rejects.toBeInstanceOf(refusal);
  });

  it.each([
    ['one issuer configured', [{ userPoolId: POOL_ID, issuerForms: ['original'] as const, replicaRegions: [] }]],
    ['several issuers configured', userPools],
  ])('refuses a token of another pool for its issuer, without asking for any key (%s)', async (_case, pools) => {
    // Prepare: a key source that records every request and would answer with the signing key.
    const key = createSigningKey();
    const asked: string[] = [];
    const keys: JwksCache = {
      getJwk: async (uri) => {
        asked.push(uri);
        throw new Error('no key should be asked for');
      },
      getCachedJwk: (uri) => {
        asked.push(uri);
        throw new Error('no key should be asked for');
      },
      addJwks: () => undefined,
      getJwks: async (uri) => {
        asked.push(uri);
        return jwksOf(key) as never;
      },
    };
    const verifier = createCognitoJwtVerifier({
      userPools: pools,
      clientIds: [CLIENT_ID],
      tokenUse: 'access',
      jwksCache: keys,
    });
    const claims = { ...cognitoClaims(), iss: `https://cognito-idp.us-east-1.amazonaws.com/${OTHER_POOL_ID}` };

    // Act
    const verified = verifier.verify(signRs256(claims, key));

    // Assess
    await expect(verified).rejects.toBeInstanceOf(JwtInvalidIssuerError);
    expect(asked).toEqual([]);
  });

  it('asks the key source for the key of an accepted issuer and verifies its token', async () => {
    // Prepare
    const key = createSigningKey();
    const pools = [{ userPoolId: POOL_ID, issuerForms: ['original'] as const, replicaRegions: [] }];
    const keys: JwksCache = {
      getJwk: async () => key.jwk as never,
      getCachedJwk: () => {
        throw new Error('the async path is used');
      },
      addJwks: () => undefined,
      getJwks: async () => jwksOf(key) as never,
    };
    const verifier = createCognitoJwtVerifier({
      userPools: pools,
      clientIds: [CLIENT_ID],
      tokenUse: 'access',
      jwksCache: keys,
    });

    // Act
    const payload = await verifier.verify(signRs256(cognitoClaims(), key));

    // Assess
    expect(payload.iss).toBe(`https://cognito-idp.us-east-1.amazonaws.com/${POOL_ID}`);
  });

  it('refuses what is not a JWT as aws-jwt-verify does', async () => {
    // Prepare
    const verifier = createCognitoJwtVerifier({ userPools, clientIds: [CLIENT_ID], tokenUse: 'id' });

    // Act
    const verified = verifier.verify('a.b');

    // Assess
    await expect(verified).rejects.toBeInstanceOf(JwtParseError);
  });
});
