import { describe, expect, it } from 'vitest';
import { authorizerConfigFromEnv } from '../../shared/authorizer/authorizer-config';
import { userPoolIssuersFromEnv } from '../../shared/authorizer/issuer-settings';
import { createCognitoJwtVerifier, TokenVerifier } from '../../shared/authorizer/token-verifier';
import { ConfigurationError } from '../../shared/runtime/errors';
import type { Env } from '../../shared/runtime/settings';
import { useJwksServer } from '../support/jwks-server';
import { CLIENT_ID, cognitoClaims, createSigningKey, POOL_ID, signRs256 } from '../support/jwt';

// Multi-Region user pools (docs/authorizer.md "Multi-Region user pools"): the authorizer accepts exactly the
// issuers it is configured for, each issuer form and each replica Region, with the same keys.
const ORIGINAL = `https://cognito-idp.us-east-1.amazonaws.com/${POOL_ID}`;
const REPLICA = `https://cognito-idp.us-west-2.amazonaws.com/${POOL_ID}`;
const OTHER_REPLICA = `https://cognito-idp.eu-west-1.amazonaws.com/${POOL_ID}`;
const UPDATED = `https://issuer-cognito-idp.us-east-1.amazonaws.com/${POOL_ID}`;

describe('authorizer issuers of replicated user pools', () => {
  const key = createSigningKey();
  const server = useJwksServer({ [POOL_ID]: [key] });

  function verifierFor(env: Env) {
    const config = authorizerConfigFromEnv({
      TENANCY_USER_POOL_IDS: POOL_ID,
      TENANCY_CLIENT_IDS: CLIENT_ID,
      TENANCY_JWKS_URI: server.template,
      ...env,
    });
    const jwt = createCognitoJwtVerifier(config);
    return { jwt, tokens: new TokenVerifier(jwt, config.claimNames, 0, config.roleGroups) };
  }

  const tokenFrom = (iss: string) => signRs256(cognitoClaims({ extra: { iss } }), key);

  it.each([
    ['the original issuer of the primary Region', ORIGINAL],
    ['the original issuer of a configured replica Region', REPLICA],
    ['the updated issuer', UPDATED],
  ])('accepts a token from %s when the pool is configured for it', async (_case, iss) => {
    // Prepare
    const { tokens } = verifierFor({
      TENANCY_ISSUER_FORMS: 'original,updated',
      TENANCY_REPLICA_REGIONS: `${POOL_ID}=us-west-2`,
    });

    // Act
    const verification = await tokens.verify(tokenFrom(iss));

    // Assess
    expect(verification).toMatchObject({ caller: { tenantId: 'acme', poolId: POOL_ID } });
  });

  it.each([
    ['a replica Region nobody configured', OTHER_REPLICA, { TENANCY_REPLICA_REGIONS: `${POOL_ID}=us-west-2` }],
    ['a replica Region of a pool configured without replicas', REPLICA, {}],
    ['the updated form, by default (a pool that never switched cannot issue it)', UPDATED, {}],
    ['the original form of a pool configured for the updated form only', ORIGINAL, { TENANCY_ISSUER_FORMS: 'updated' }],
    ['a look-alike host', `https://cognito-idp.us-east-1.amazonaws.com.evil.example/${POOL_ID}`, {}],
  ])('refuses a token from %s as wrong-issuer', async (_case, iss, env) => {
    // Prepare
    const { tokens } = verifierFor(env);

    // Act
    const verification = await tokens.verify(tokenFrom(iss));

    // Assess
    expect(verification).toEqual({ reason: 'wrong-issuer' });
  });

  it('hydrates a pool without replication at cold start from its one issuer, then verifies without a fetch', async () => {
    // Prepare
    const { jwt, tokens } = verifierFor({});
    const before = server.requests();

    // Act
    await jwt.hydrate();
    const hydrated = server.requests() - before;
    const verification = await tokens.verify(tokenFrom(ORIGINAL));

    // Assess
    expect(hydrated).toBe(1);
    expect(server.requests() - before).toBe(1);
    expect(verification).toMatchObject({ caller: { tenantId: 'acme' } });
  });

  it('hydrates every configured issuer of a replicated pool from the injected location', async () => {
    // Prepare
    const { jwt } = verifierFor({
      TENANCY_ISSUER_FORMS: 'original,updated',
      TENANCY_REPLICA_REGIONS: `${POOL_ID}=us-west-2,${POOL_ID}=eu-west-1`,
    });
    const before = server.requests();

    // Act
    await jwt.hydrate();

    // Assess: primary, two replicas and the updated issuer.
    expect(server.requests() - before).toBe(4);
  });
});

describe('TENANCY_ISSUER_FORMS and TENANCY_REPLICA_REGIONS', () => {
  it('defaults to the original issuer of the primary Region only', () => {
    // Act
    const pools = userPoolIssuersFromEnv({}, [POOL_ID]);

    // Assess
    expect(pools).toEqual([{ userPoolId: POOL_ID, issuerForms: ['original'], replicaRegions: [] }]);
  });

  it('gives each pool of a silo deployment its own replica Regions', () => {
    // Act
    const pools = userPoolIssuersFromEnv(
      { TENANCY_ISSUER_FORMS: 'updated,original', TENANCY_REPLICA_REGIONS: `${POOL_ID}=us-west-2` },
      [POOL_ID, 'eu-west-1_SiloPool9'],
    );

    // Assess
    expect(pools).toEqual([
      { userPoolId: POOL_ID, issuerForms: ['updated', 'original'], replicaRegions: ['us-west-2'] },
      { userPoolId: 'eu-west-1_SiloPool9', issuerForms: ['updated', 'original'], replicaRegions: [] },
    ]);
  });

  it.each([
    ['TENANCY_ISSUER_FORMS', { TENANCY_ISSUER_FORMS: 'global' }, 'is not an issuer form'],
    ['TENANCY_ISSUER_FORMS', { TENANCY_ISSUER_FORMS: 'original,original' }, 'each once'],
    ['TENANCY_ISSUER_FORMS', { TENANCY_ISSUER_FORMS: ',' }, 'each once'],
    ['TENANCY_REPLICA_REGIONS', { TENANCY_REPLICA_REGIONS: 'us-west-2' }, 'is not <poolId>=<region>'],
    [
      'TENANCY_REPLICA_REGIONS',
      { TENANCY_REPLICA_REGIONS: 'us-east-1_Unknown1=us-west-2' },
      'is not <poolId>=<region>',
    ],
    ['TENANCY_REPLICA_REGIONS', { TENANCY_REPLICA_REGIONS: `${POOL_ID}=` }, 'is not <poolId>=<region>'],
    ['TENANCY_REPLICA_REGIONS', { TENANCY_REPLICA_REGIONS: `${POOL_ID}=us-west-2=x` }, 'is not <poolId>=<region>'],
    ['TENANCY_REPLICA_REGIONS', { TENANCY_REPLICA_REGIONS: `${POOL_ID}=*` }, 'is not a Region name'],
    ['TENANCY_REPLICA_REGIONS', { TENANCY_REPLICA_REGIONS: `${POOL_ID}=us-east-1` }, 'is its primary Region'],
    [
      'TENANCY_REPLICA_REGIONS',
      { TENANCY_ISSUER_FORMS: 'updated', TENANCY_REPLICA_REGIONS: `${POOL_ID}=us-west-2` },
      'original issuer form only',
    ],
  ])('refuses an unsafe %s at cold start', (setting, env, message) => {
    // Act
    const act = () => userPoolIssuersFromEnv(env, [POOL_ID]);

    // Assess
    expect(act).toThrow(ConfigurationError);
    expect(act).toThrow(message);
    expect(act).toThrow(setting);
  });

  it('is part of the authorizer configuration, read once at cold start', () => {
    // Act
    const config = authorizerConfigFromEnv({
      TENANCY_USER_POOL_IDS: POOL_ID,
      TENANCY_CLIENT_IDS: CLIENT_ID,
      TENANCY_REPLICA_REGIONS: `${POOL_ID}=us-west-2`,
    });

    // Assess
    expect(config.userPools).toEqual([
      { userPoolId: POOL_ID, issuerForms: ['original'], replicaRegions: ['us-west-2'] },
    ]);
  });
});
