import { describe, expect, it } from 'vitest';
import { cognitoIssuers, type UserPoolIssuers } from '../src/index.js';

const POOL = 'us-east-1_TenancyPool1';

describe('cognitoIssuers', () => {
  it('lists only the original issuer of the primary Region for a pool that is not replicated', () => {
    // Act
    const issuers = cognitoIssuers([{ userPoolId: POOL, issuerForms: ['original'], replicaRegions: [] }]);

    // Assess
    expect(issuers).toEqual([
      {
        issuer: `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`,
        jwksUri: `https://cognito-idp.us-east-1.amazonaws.com/${POOL}/.well-known/jwks.json`,
        userPoolId: POOL,
      },
    ]);
  });

  it('lists the original issuer of every replica Region, under the shared pool id', () => {
    // Act
    const issuers = cognitoIssuers([
      { userPoolId: POOL, issuerForms: ['original'], replicaRegions: ['us-west-2', 'eu-west-1'] },
    ]);

    // Assess
    expect(issuers.map(({ issuer }) => issuer)).toEqual([
      `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`,
      `https://cognito-idp.us-west-2.amazonaws.com/${POOL}`,
      `https://cognito-idp.eu-west-1.amazonaws.com/${POOL}`,
    ]);
  });

  it('lists one updated issuer, in the primary Region, however many replicas the pool has', () => {
    // Act
    const issuers = cognitoIssuers([
      { userPoolId: POOL, issuerForms: ['original', 'updated'], replicaRegions: ['us-west-2'] },
    ]);

    // Assess
    expect(issuers.map(({ issuer }) => issuer)).toEqual([
      `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`,
      `https://cognito-idp.us-west-2.amazonaws.com/${POOL}`,
      `https://issuer-cognito-idp.us-east-1.amazonaws.com/${POOL}`,
    ]);
  });

  it('lists the updated issuer alone for a pool configured with that form only', () => {
    // Act
    const issuers = cognitoIssuers([{ userPoolId: POOL, issuerForms: ['updated'], replicaRegions: [] }]);

    // Assess
    expect(issuers.map(({ issuer }) => issuer)).toEqual([`https://issuer-cognito-idp.us-east-1.amazonaws.com/${POOL}`]);
  });

  it('keeps the pools of a silo deployment apart', () => {
    // Act
    const issuers = cognitoIssuers([
      { userPoolId: POOL, issuerForms: ['original'], replicaRegions: [] },
      { userPoolId: 'eu-central-1_SiloPool9', issuerForms: ['updated'], replicaRegions: [] },
    ]);

    // Assess
    expect(issuers.map(({ issuer, userPoolId }) => [userPoolId, issuer])).toEqual([
      [POOL, `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`],
      ['eu-central-1_SiloPool9', 'https://issuer-cognito-idp.eu-central-1.amazonaws.com/eu-central-1_SiloPool9'],
    ]);
  });

  it.each<[string, UserPoolIssuers[]]>([
    ['at least one user pool', []],
    ['is not a user pool id', [{ userPoolId: 'TenancyPool1', issuerForms: ['original'], replicaRegions: [] }]],
    [
      'is not a user pool id',
      [{ userPoolId: 'https://evil.example/us-east-1_X', issuerForms: ['original'], replicaRegions: [] }],
    ],
    ['issuerForms must list', [{ userPoolId: POOL, issuerForms: [], replicaRegions: [] }]],
    ['is not an issuer form', [{ userPoolId: POOL, issuerForms: ['global' as never], replicaRegions: [] }]],
    ['an issuer form is repeated', [{ userPoolId: POOL, issuerForms: ['original', 'original'], replicaRegions: [] }]],
    ['is not a Region name', [{ userPoolId: POOL, issuerForms: ['original'], replicaRegions: ['evil.example/x'] }]],
    ['is not a Region name', [{ userPoolId: POOL, issuerForms: ['original'], replicaRegions: ['*'] }]],
    ['is its primary Region', [{ userPoolId: POOL, issuerForms: ['original'], replicaRegions: ['us-east-1'] }]],
    [
      'a Region is repeated',
      [{ userPoolId: POOL, issuerForms: ['original'], replicaRegions: ['us-west-2', 'us-west-2'] }],
    ],
    [
      'apply to the original issuer form only',
      [{ userPoolId: POOL, issuerForms: ['updated'], replicaRegions: ['us-west-2'] }],
    ],
    [
      'replicaRegions must be a list',
      [{ userPoolId: POOL, issuerForms: ['original'], replicaRegions: undefined as never }],
    ],
    [
      'listed twice',
      [
        { userPoolId: POOL, issuerForms: ['original'], replicaRegions: [] },
        { userPoolId: POOL, issuerForms: ['updated'], replicaRegions: [] },
      ],
    ],
  ])('refuses a configuration that %s', (message, pools) => {
    // Act
    const act = () => cognitoIssuers(pools);

    // Assess
    expect(act).toThrow(TypeError);
    expect(act).toThrow(message);
  });
});
