import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT_ID,
  cognitoClaims,
  createSigningKey,
  jwksOf,
  OTHER_CLIENT_ID,
  POOL_ID,
  signHs256,
  signRs256,
  unsignedToken,
} from '../../../test/support/jwt.js';
import {
  createTenantTokenVerifier,
  TenantTokenError,
  type TenantTokenOptions,
  type UserPoolIssuers,
  verifyTenantToken,
} from '../src/index.js';
import { type CognitoKeys, startCognitoKeys } from './support/cognito-keys.js';

const ORIGINAL = `https://cognito-idp.us-east-1.amazonaws.com/${POOL_ID}`;
const REPLICA = `https://cognito-idp.us-west-2.amazonaws.com/${POOL_ID}`;
const UNCONFIGURED_REPLICA = `https://cognito-idp.eu-west-1.amazonaws.com/${POOL_ID}`;
const UPDATED = `https://issuer-cognito-idp.us-east-1.amazonaws.com/${POOL_ID}`;
const NOT_REPLICATED_POOL = 'eu-central-1_PlainPool7';
const NOT_REPLICATED = `https://cognito-idp.eu-central-1.amazonaws.com/${NOT_REPLICATED_POOL}`;

const key = createSigningKey();
const otherKey = createSigningKey();
let keys: CognitoKeys;

beforeAll(async () => {
  // Cognito publishes the same keys at every issuer of a pool (replicas share them).
  const jwks = jwksOf(key);
  keys = await startCognitoKeys({
    [ORIGINAL]: jwks,
    [REPLICA]: jwks,
    [UNCONFIGURED_REPLICA]: jwks,
    [UPDATED]: jwks,
    [NOT_REPLICATED]: jwks,
  });
});
afterAll(() => keys.close());

function options(userPool: Partial<UserPoolIssuers> = {}, more: Partial<TenantTokenOptions> = {}): TenantTokenOptions {
  return {
    userPools: [{ userPoolId: POOL_ID, issuerForms: ['original'], replicaRegions: [], ...userPool }],
    clientIds: [CLIENT_ID],
    tokenUse: 'access',
    acceptedVersions: [1],
    jwksCache: keys.jwksCache(),
    ...more,
  };
}

/** An access token (default) as pre token generation shapes it, contract version 1, from `iss`. */
function token(iss = ORIGINAL, extra: Record<string, unknown> = {}, claims: Parameters<typeof cognitoClaims>[0] = {}) {
  return signRs256(cognitoClaims({ ...claims, extra: { iss, 'tenancy:v': 1, ...extra } }), key);
}

async function refusal(promise: Promise<unknown>): Promise<TenantTokenError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TenantTokenError) return error;
    throw error;
  }
  throw new Error('expected a TenantTokenError');
}

describe('verifyTenantToken', () => {
  it('returns the tenant claims of a valid access token', async () => {
    // Prepare
    const verifier = createTenantTokenVerifier(options());

    // Act
    const claims = await verifier.verify(token());

    // Assess
    expect(claims).toMatchObject({
      tenantId: 'acme',
      tier: 'standard',
      groups: ['tenant-member'],
      sub: 'b1f0a7c2-0000-4000-8000-000000000001',
      claimsVersion: 1,
      tokenUse: 'access',
      issuer: ORIGINAL,
      userPoolId: POOL_ID,
    });
    expect(claims.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it('accepts an ID token, whose version claim event version 1 can only write as text', async () => {
    // Prepare
    const verifier = createTenantTokenVerifier(options({}, { tokenUse: 'id' }));
    const idToken = token(ORIGINAL, { 'tenancy:v': '1', 'custom:tenantId': 'acme' }, { tokenUse: 'id' });

    // Act
    const claims = await verifier.verify(idToken);

    // Assess
    expect(claims).toMatchObject({ tenantId: 'acme', claimsVersion: 1, tokenUse: 'id' });
  });

  it('accepts a machine-to-machine access token, which has no groups', async () => {
    // Prepare
    const verifier = createTenantTokenVerifier(options());

    // Act
    const claims = await verifier.verify(token(ORIGINAL, {}, { groups: null, sub: CLIENT_ID }));

    // Assess
    expect(claims).toMatchObject({ sub: CLIENT_ID, groups: [] });
  });

  it('reads the claims under the names the suite was configured with', async () => {
    // Prepare
    const verifier = createTenantTokenVerifier(
      options({}, { claimNames: { tenantId: 'org', tier: 'plan', version: 'contract' } }),
    );
    const renamed = token(ORIGINAL, { org: 'globex', plan: 'gold', contract: 1 }, { tenantId: null, tier: null });

    // Act
    const claims = await verifier.verify(renamed);

    // Assess
    expect(claims).toMatchObject({ tenantId: 'globex', tier: 'gold', claimsVersion: 1 });
  });

  describe('a claim rename window (two versions side by side)', () => {
    // Version 2 renamed tenantId to org; version 2 tokens carry both names, version 1 tokens the old one only.
    const windowOptions = () =>
      options(
        {},
        {
          acceptedVersions: [1, 2],
          claimNames: { tenantId: 'org' },
          claimNamesByVersion: { 1: { tenantId: 'tenantId' } },
        },
      );

    it('reads a version 2 token under the new name', async () => {
      // Prepare
      const verifier = createTenantTokenVerifier(windowOptions());

      // Act
      const claims = await verifier.verify(token(ORIGINAL, { 'tenancy:v': 2, org: 'globex', tenantId: 'globex' }));

      // Assess
      expect(claims).toMatchObject({ tenantId: 'globex', claimsVersion: 2 });
    });

    it('reads a version 1 token under the old name while the window lasts', async () => {
      // Prepare
      const verifier = createTenantTokenVerifier(windowOptions());

      // Act
      const claims = await verifier.verify(token(ORIGINAL, { 'tenancy:v': 1 }));

      // Assess
      expect(claims).toMatchObject({ tenantId: 'acme', claimsVersion: 1 });
    });

    it('refuses a version 2 token that lacks the new name', async () => {
      // Prepare
      const verifier = createTenantTokenVerifier(windowOptions());

      // Act
      const error = await refusal(verifier.verify(token(ORIGINAL, { 'tenancy:v': 2 })));

      // Assess
      expect(error).toMatchObject({ reason: 'invalid-claims', claim: 'org' });
    });

    it('refuses version 1 once the window is closed (version 2 accepted alone)', async () => {
      // Prepare
      const verifier = createTenantTokenVerifier(
        options({}, { acceptedVersions: [2], claimNames: { tenantId: 'org' } }),
      );

      // Act
      const error = await refusal(verifier.verify(token(ORIGINAL, { 'tenancy:v': 1 })));

      // Assess
      expect(error.reason).toBe('unsupported-version');
    });

    it('refuses names for a version it does not accept', () => {
      // Act
      const act = () => createTenantTokenVerifier(options({}, { claimNamesByVersion: { 3: { tenantId: 'x' } } }));

      // Assess
      expect(act).toThrow('version 3 is not in acceptedVersions');
    });
  });

  describe('issuers of a replicated pool', () => {
    it.each([
      ['the original issuer of the primary Region', ORIGINAL],
      ['the original issuer of a configured replica Region', REPLICA],
      ['the updated issuer', UPDATED],
    ])('accepts %s when the pool is configured for it', async (_case, iss) => {
      // Prepare
      const verifier = createTenantTokenVerifier(
        options({ issuerForms: ['original', 'updated'], replicaRegions: ['us-west-2'] }),
      );

      // Act
      const claims = await verifier.verify(token(iss));

      // Assess
      expect(claims).toMatchObject({ issuer: iss, userPoolId: POOL_ID, tenantId: 'acme' });
    });

    it.each([
      [
        'a replica Region nobody configured',
        UNCONFIGURED_REPLICA,
        { issuerForms: ['original', 'updated'], replicaRegions: ['us-west-2'] },
      ],
      [
        'a replica Region of a pool configured without replicas',
        REPLICA,
        { issuerForms: ['original'], replicaRegions: [] },
      ],
      [
        'the updated form of a pool configured for the original form',
        UPDATED,
        { issuerForms: ['original'], replicaRegions: [] },
      ],
      [
        'the original form of a pool configured for the updated form',
        ORIGINAL,
        { issuerForms: ['updated'], replicaRegions: [] },
      ],
      [
        'a replica Region of a pool configured for the updated form',
        REPLICA,
        { issuerForms: ['updated'], replicaRegions: [] },
      ],
      ['another pool of the same Region', `https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool99`, {}],
      ['a look-alike host', `https://cognito-idp.us-east-1.amazonaws.com.evil.example/${POOL_ID}`, {}],
      ['plain http', `http://cognito-idp.us-east-1.amazonaws.com/${POOL_ID}`, {}],
      ['a trailing slash', `${ORIGINAL}/`, {}],
    ] as const)('refuses a token from %s', async (_case, iss, pool) => {
      // Prepare
      const verifier = createTenantTokenVerifier(options(pool as Partial<UserPoolIssuers>));

      // Act
      const error = await refusal(verifier.verify(token(iss)));

      // Assess: refused for its issuer, before any key is fetched for it.
      expect(error.reason).toBe('invalid-token');
      expect((error.cause as Error).message).toMatch(/issuer not (allowed|configured)/i);
    });

    it('hydrates a pool without replication from its one issuer, and needs no fetch afterwards', async () => {
      // Prepare
      const verifier = createTenantTokenVerifier(
        options(
          {},
          { userPools: [{ userPoolId: NOT_REPLICATED_POOL, issuerForms: ['original'], replicaRegions: [] }] },
        ),
      );
      const before = keys.requested().length;

      // Act
      await verifier.hydrate();
      const fetchedAtColdStart = keys.requested().slice(before);
      const claims = await verifier.verify(
        signRs256(cognitoClaims({ poolId: NOT_REPLICATED_POOL, extra: { 'tenancy:v': 1 } }), key),
      );

      // Assess: the updated issuer, which such a pool does not publish (issue #279), is never asked for.
      expect(fetchedAtColdStart).toEqual([`cognito-idp.eu-central-1.amazonaws.com/${NOT_REPLICATED_POOL}`]);
      expect(keys.requested().length).toBe(before + 1);
      expect(claims.userPoolId).toBe(NOT_REPLICATED_POOL);
    });

    it('hydrates every configured issuer of a replicated pool', async () => {
      // Prepare
      const verifier = createTenantTokenVerifier(
        options({ issuerForms: ['original', 'updated'], replicaRegions: ['us-west-2'] }),
      );
      const before = keys.requested().length;

      // Act
      await verifier.hydrate();

      // Assess
      expect(new Set(keys.requested().slice(before))).toEqual(
        new Set([ORIGINAL, REPLICA, UPDATED].map((issuer) => issuer.replace('https://', ''))),
      );
    });
  });

  describe('forged and ill-formed tokens', () => {
    it.each([
      [
        'signed by a key the pool never published',
        () => signRs256(cognitoClaims({ extra: { 'tenancy:v': 1 } }), otherKey, { kid: key.kid }),
      ],
      [
        'HS256 with the public key as secret',
        () =>
          signHs256(
            cognitoClaims({ extra: { 'tenancy:v': 1 } }),
            key.publicKey.export({ format: 'pem', type: 'spki' }),
            { kid: key.kid },
          ),
      ],
      ['unsigned (alg none)', () => unsignedToken(cognitoClaims({ extra: { 'tenancy:v': 1 } }), { kid: key.kid })],
      ['expired', () => token(ORIGINAL, {}, { expiresIn: -60 })],
      ['not yet valid', () => token(ORIGINAL, {}, { notBefore: 600 })],
      ['for another app client', () => token(ORIGINAL, {}, { clientId: OTHER_CLIENT_ID })],
      ['an ID token where access tokens are expected', () => token(ORIGINAL, {}, { tokenUse: 'id' })],
      ['not a JWT', () => 'not-a-jwt'],
      ['empty', () => ''],
    ])('refuses a token %s', async (_case, mint) => {
      // Prepare
      const verifier = createTenantTokenVerifier(options());

      // Act
      const error = await refusal(verifier.verify(mint()));

      // Assess
      expect(error.reason).toBe('invalid-token');
      expect(error.message).toBe('the token is not valid');
    });

    it.each([
      ['tenancy:v', { 'tenancy:v': undefined }],
      ['tenancy:v', { 'tenancy:v': '1' }],
      ['tenancy:v', { 'tenancy:v': 1.5 }],
      ['tenancy:v', { 'tenancy:v': 0 }],
      ['tenancy:v', { 'tenancy:v': 1000 }],
      ['tenantId', { tenantId: 'acme*' }],
      ['tenantId', { tenantId: ['acme'] }],
      ['tier', { tier: 'Gold' }],
      ['cognito:groups', { 'cognito:groups': 'tenant-admin' }],
      ['cognito:groups', { 'cognito:groups': [''] }],
      ['cognito:groups', { 'cognito:groups': Array.from({ length: 101 }, (_, index) => `g${index}`) }],
      ['sub', { sub: '' }],
      ['custom:tenantId', { 'custom:tenantId': 'acme*' }],
    ])('refuses a signed token whose %s claim breaks the contract', async (claim, extra) => {
      // Prepare
      const verifier = createTenantTokenVerifier(options());

      // Act
      const error = await refusal(verifier.verify(token(ORIGINAL, extra)));

      // Assess
      expect(error).toMatchObject({ reason: 'invalid-claims', claim });
    });

    it('refuses a claims version the caller does not accept', async () => {
      // Prepare
      const verifier = createTenantTokenVerifier(options());

      // Act
      const error = await refusal(verifier.verify(token(ORIGINAL, { 'tenancy:v': 2 })));

      // Assess
      expect(error).toMatchObject({ reason: 'unsupported-version', claim: 'tenancy:v' });
    });

    it('never crashes and never accepts an ill-formed tenant claim, whatever a signed token carries', async () => {
      const verifier = createTenantTokenVerifier(options());
      const value = fc.oneof(
        fc.string({ maxLength: 8 }),
        fc.constantFrom('acme', 'standard', 'tenant-admin', '1'),
        fc.integer({ min: -2, max: 3 }),
        fc.constant(null),
        fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
      );
      const claims = fc.record(
        { tenantId: value, tier: value, 'tenancy:v': value, 'cognito:groups': value, sub: value },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(claims, async (extra) => {
          const payload = cognitoClaims({ tenantId: null, tier: null, groups: null, extra: { ...extra } });
          if (!('sub' in extra)) delete payload.sub;
          try {
            const result = await verifier.verify(signRs256(payload, key));
            expect(result.tenantId).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
            expect(result.tier).toMatch(/^[a-z][a-z0-9-]{0,31}$/);
            expect(result.claimsVersion).toBe(1);
          } catch (error) {
            expect(error).toBeInstanceOf(TenantTokenError);
          }
        }),
        { numRuns: 200 },
      );
    });
  });

  it('reports keys that cannot be fetched as jwks-unavailable, never as accepted', async () => {
    // Prepare: a pool whose JWKS endpoint refuses (403).
    const verifier = createTenantTokenVerifier(
      options(
        {},
        { userPools: [{ userPoolId: 'ap-south-1_NoKeys42', issuerForms: ['original'], replicaRegions: [] }] },
      ),
    );

    // Act
    const error = await refusal(
      verifier.verify(signRs256(cognitoClaims({ poolId: 'ap-south-1_NoKeys42', extra: { 'tenancy:v': 1 } }), key)),
    );

    // Assess
    expect(error.reason).toBe('jwks-unavailable');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('keeps one verifier, and so one key cache, per options object', async () => {
    // Prepare
    const shared = options(
      {},
      { userPools: [{ userPoolId: NOT_REPLICATED_POOL, issuerForms: ['original'], replicaRegions: [] }] },
    );
    const minted = signRs256(cognitoClaims({ poolId: NOT_REPLICATED_POOL, extra: { 'tenancy:v': 1 } }), key);
    const before = keys.requested().length;

    // Act
    await verifyTenantToken(minted, shared);
    await verifyTenantToken(minted, shared);

    // Assess
    expect(keys.requested().length).toBe(before + 1);
  });

  it.each([
    ['acceptedVersions', { acceptedVersions: [] }, 'at least one claims version'],
    ['acceptedVersions', { acceptedVersions: [1000] }, 'is not a claims version'],
    ['acceptedVersions', { acceptedVersions: undefined as never }, 'at least one claims version'],
    ['clientIds', { clientIds: [] }, 'clientIds must list at least one'],
    ['clientIds', { clientIds: ['*'] }, 'is not an app client id'],
    ['tokenUse', { tokenUse: null as never }, 'tokenUse must be'],
    ['userPools', { userPools: [] }, 'at least one user pool'],
    ['claimNames', { claimNames: { tenantId: 'sub' } }, 'cannot name a tenant claim'],
    ['claimNames', { claimNames: { tenantId: '' } }, 'cannot name a tenant claim'],
    ['claimNames', { claimNames: { tenantId: 'tier' } }, 'three different names'],
  ])('refuses options with no safe %s', (_option, more, message) => {
    // Act
    const act = () => createTenantTokenVerifier(options({}, more as Partial<TenantTokenOptions>));

    // Assess
    expect(act).toThrow(TypeError);
    expect(act).toThrow(message);
  });
});
