import { JwtInvalidIssuerError, JwtParseError } from 'aws-jwt-verify/error';
import { describe, expect, it } from 'vitest';
import { CLIENT_ID, cognitoClaims, createSigningKey, POOL_ID, signRs256 } from '../../../test/support/jwt.js';
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

  it('refuses what is not a JWT as aws-jwt-verify does', async () => {
    // Prepare
    const verifier = createCognitoJwtVerifier({ userPools, clientIds: [CLIENT_ID], tokenUse: 'id' });

    // Act
    const verified = verifier.verify('a.b');

    // Assess
    await expect(verified).rejects.toBeInstanceOf(JwtParseError);
  });
});
