import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../shared/runtime/errors';
import { preTokenConfigFromEnv } from '../../shared/tokens/pre-token-config';

function configError(env: Record<string, string>): ConfigurationError {
  try {
    preTokenConfigFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('pre token generation configuration', () => {
  it('defaults to tenantId/tier claims, two role groups, 60 s cache and 10 min stale window', () => {
    // Act
    const config = preTokenConfigFromEnv({});

    // Assess
    expect(config).toEqual({
      claimNames: { tenantId: 'tenantId', tier: 'tier', version: 'tenancy:v', claimsVersion: 1, migration: undefined },
      roleGroups: ['tenant-admin', 'tenant-member'],
      platformGroups: ['platform-admin'],
      idpGroupsAttribute: undefined,
      cacheTtlMs: 60_000,
      staleTtlMs: 600_000,
    });
  });

  it('reads every setting it owns', () => {
    // Act
    const config = preTokenConfigFromEnv({
      TENANCY_TENANT_ID_CLAIM: 'org',
      TENANCY_TIER_CLAIM: 'plan',
      TENANCY_VERSION_CLAIM: 'org:v',
      TENANCY_CLAIMS_VERSION: '3',
      TENANCY_CLAIM_RENAMES: 'tenant=org',
      TENANCY_CLAIM_RENAMES_UNTIL: '2027-01-31T00:00:00Z',
      TENANCY_ROLE_GROUPS: 'owner, member',
      TENANCY_PLATFORM_GROUPS: 'ops,support',
      TENANCY_IDP_GROUPS_ATTRIBUTE: 'custom:idpGroups',
      TENANCY_CACHE_TTL_SECONDS: '5',
      TENANCY_STALE_TTL_SECONDS: '0',
      TENANCY_VERIFY_MEMBERSHIP: 'true',
    });

    // Assess
    expect(config).toEqual({
      claimNames: {
        tenantId: 'org',
        tier: 'plan',
        version: 'org:v',
        claimsVersion: 3,
        migration: {
          previousVersion: 2,
          previousNames: { tenantId: 'tenant', tier: 'plan', version: 'org:v' },
          renames: new Map([['tenant', 'tenantId']]),
          untilMs: Date.UTC(2027, 0, 31),
        },
      },
      roleGroups: ['owner', 'member'],
      platformGroups: ['ops', 'support'],
      idpGroupsAttribute: 'custom:idpGroups',
      cacheTtlMs: 5000,
      staleTtlMs: 0,
    });
  });

  it.each([
    [{ TENANCY_TENANT_ID_CLAIM: 'sub' }, 'TENANCY_TENANT_ID_CLAIM', /reserved claim/],
    [{ TENANCY_TIER_CLAIM: 'cognito:groups' }, 'TENANCY_TIER_CLAIM', /reserved claim/],
    [{ TENANCY_TENANTID_CLAIM: 'org' }, 'TENANCY_TENANTID_CLAIM', /unknown setting/],
    [{ TENANCY_ROLE_GROUPS: 'tenant-admin,platform-admin' }, 'TENANCY_ROLE_GROUPS', /platform-admin.*cannot also be/],
    [{ TENANCY_ROLE_GROUPS: ' , ' }, 'TENANCY_ROLE_GROUPS', /at least one role group/],
    [{ TENANCY_ROLE_GROUPS: 'admins,admins' }, 'TENANCY_ROLE_GROUPS', /listed twice/],
    [{ TENANCY_ROLE_GROUPS: 'a,b c' }, 'TENANCY_ROLE_GROUPS', /not a valid group name/],
    [{ TENANCY_IDP_GROUPS_ATTRIBUTE: 'custom:tenantId' }, 'TENANCY_IDP_GROUPS_ATTRIBUTE', /tenant attribute/],
    [
      { TENANCY_IDP_GROUPS_ATTRIBUTE: 'custom:v', TENANCY_VERSION_CLAIM: 'custom:v' },
      'TENANCY_IDP_GROUPS_ATTRIBUTE',
      /tenant attribute or claim/,
    ],
    [
      {
        TENANCY_IDP_GROUPS_ATTRIBUTE: 'custom:org',
        TENANCY_CLAIMS_VERSION: '2',
        TENANCY_CLAIM_RENAMES: 'custom:org=tenantId',
        TENANCY_CLAIM_RENAMES_UNTIL: '2027-01-31T00:00:00Z',
      },
      'TENANCY_IDP_GROUPS_ATTRIBUTE',
      /tenant attribute or claim/,
    ],
    [{ TENANCY_IDP_GROUPS_ATTRIBUTE: 'groups' }, 'TENANCY_IDP_GROUPS_ATTRIBUTE', /not a custom attribute/],
    [{ TENANCY_CACHE_TTL_SECONDS: '-1' }, 'TENANCY_CACHE_TTL_SECONDS', /integer from 0 to 3600/],
    [{ TENANCY_STALE_TTL_SECONDS: '10m' }, 'TENANCY_STALE_TTL_SECONDS', /integer/],
    [{ TENANCY_VERIFY_MEMBERSHIP: 'yes' }, 'TENANCY_VERIFY_MEMBERSHIP', /"true" or "false"/],
    // Memberships carry the role: a deployment that turned the read off stops at cold start, issuing nothing.
    [{ TENANCY_VERIFY_MEMBERSHIP: 'false' }, 'TENANCY_VERIFY_MEMBERSHIP', /cannot be turned off/],
  ])('refuses %j at cold start with a message naming the setting', (env, setting, message) => {
    // Act
    const error = configError(env);

    // Assess
    expect(error.setting).toBe(setting);
    expect(error.message).toMatch(message);
  });
});
