import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaValidator } from '../../../test/support/claims-schemas.js';
import { CLIENT_ID, cognitoClaims, createSigningKey, jwksOf, POOL_ID, signRs256 } from '../../../test/support/jwt.js';
import { createTenantTokenVerifier, TenantContextError, TenantTokenError, tenantContext } from '../src/index.js';
import { type CognitoKeys, startCognitoKeys } from './support/cognito-keys.js';

// The library checks by hand what the published JSON Schemas state (no validator at run time, nothing to load at
// a Lambda's cold start); these properties hold it to the schemas: over generated values, it accepts exactly
// what the schema of version 1 accepts.
const value = fc.oneof(
  fc.constantFrom(
    'acme',
    'globex-eu',
    'standard',
    'free',
    'tenant-admin',
    'a,b',
    ',',
    '',
    '1',
    '2',
    '01',
    '999',
    '1000',
  ),
  fc.string({ maxLength: 6 }),
  fc.stringMatching(/^[a-z0-9-]{2,8}$/),
  fc.integer({ min: -1, max: 3 }),
  fc.constant(null),
  fc.array(fc.constantFrom('tenant-admin', 'tenant-member', ''), { maxLength: 3 }),
);

/** Mostly a well-formed value, sometimes anything: both sides of the equivalence come up. */
const mostly = <T>(good: fc.Arbitrary<T>) => fc.oneof({ arbitrary: good, weight: 6 }, { arbitrary: value, weight: 1 });
const tenantIds = fc.constantFrom('acme', 'globex-eu', 'a1');
const tiers = fc.constantFrom('standard', 'free', 'gold-2');

describe('tenantContext and the authorizer context schema, version 1', () => {
  const valid = schemaValidator('authorizer-context', 1);

  it('accepts exactly the contexts the schema accepts', () => {
    const seen = { accepted: 0, refused: 0 };
    const context = fc.record(
      {
        tenantId: mostly(tenantIds),
        tier: mostly(tiers),
        groups: mostly(fc.constantFrom('', 'tenant-admin', 'tenant-admin,tenant-member')),
        sub: mostly(fc.constantFrom('b1f0a7c2', 'client-1')),
        claimsVersion: mostly(fc.constantFrom('1', '2', '999')),
        principalId: value,
      },
      { requiredKeys: ['principalId'] },
    );
    fc.assert(
      fc.property(context, (record) => {
        // Act
        let accepted: boolean;
        try {
          tenantContext({ version: '2.0', requestContext: { authorizer: { lambda: record } } });
          accepted = true;
        } catch (error) {
          expect(error).toBeInstanceOf(TenantContextError);
          accepted = false;
        }

        // Assess
        expect(accepted).toBe(valid(record));
        seen[accepted ? 'accepted' : 'refused']++;
      }),
      { numRuns: 2000, seed: 23 },
    );
    // Both sides of the equivalence were exercised.
    expect(seen.accepted).toBeGreaterThan(10);
    expect(seen.refused).toBeGreaterThan(10);
  });
});

describe('verifyTenantToken and the access token claims schema, version 1', () => {
  const key = createSigningKey();
  const valid = schemaValidator('access-token-claims', 1);
  let keys: CognitoKeys;

  beforeAll(async () => {
    keys = await startCognitoKeys({ [`https://cognito-idp.us-east-1.amazonaws.com/${POOL_ID}`]: jwksOf(key) });
  });
  afterAll(() => keys.close());

  it('accepts exactly the signed tokens whose claims the schema accepts', async () => {
    // Prepare
    const seen = { accepted: 0, refused: 0 };
    const verifier = createTenantTokenVerifier({
      userPools: [{ userPoolId: POOL_ID, issuerForms: ['original'], replicaRegions: [] }],
      clientIds: [CLIENT_ID],
      tokenUse: 'access',
      acceptedVersions: [1],
      jwksCache: keys.jwksCache(),
    });
    const claims = fc.record(
      {
        tenantId: mostly(tenantIds),
        tier: mostly(tiers),
        'tenancy:v': mostly(fc.constant(1)),
        'cognito:groups': mostly(fc.constantFrom(['tenant-admin'], [], ['tenant-member', 'tenant-admin'])),
        sub: mostly(fc.constantFrom('b1f0a7c2', 'client-1')),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(claims, async (extra) => {
        const payload = cognitoClaims({ tenantId: null, tier: null, groups: null, extra });
        if (!('sub' in extra)) delete payload.sub;

        // Act
        let accepted: boolean;
        try {
          await verifier.verify(signRs256(payload, key));
          accepted = true;
        } catch (error) {
          expect(error).toBeInstanceOf(TenantTokenError);
          accepted = false;
        }

        // Assess
        expect(accepted).toBe(valid(payload));
        seen[accepted ? 'accepted' : 'refused']++;
      }),
      { numRuns: 300, seed: 23 },
    );
    expect(seen.accepted).toBeGreaterThan(3);
    expect(seen.refused).toBeGreaterThan(3);
  });
});
