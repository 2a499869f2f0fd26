import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Authorizer } from '../../shared/authorizer/authorize';
import { authorizerConfigFromEnv } from '../../shared/authorizer/authorizer-config';
import { callerIdentityFromClaims } from '../../shared/authorizer/caller-identity';
import { createCognitoJwtVerifier, TokenVerifier } from '../../shared/authorizer/token-verifier';
import { ConfigurationError } from '../../shared/runtime/errors';
import type { Env } from '../../shared/runtime/settings';
import {
  type ClaimsContract,
  claimNamesFromEnv,
  claimsVersionOf,
  migrationOpen,
  namesForVersion,
} from '../../shared/tokens/claim-names';
import { createClaimShaper } from '../../shared/tokens/claims';
import { parseTokenRequest, type UserTokenRequest } from '../../shared/tokens/pre-token-event';
import { createPreTokenGenerationHandler } from '../../shared/tokens/pre-token-generation';
import { mintTokens } from '../support/cognito-tokens';
import { loadEvent } from '../support/events';
import { useJwksServer } from '../support/jwks-server';
import {
  ARN_PREFIX,
  CLIENT_ID,
  type ClaimOptions,
  cognitoClaims,
  createSigningKey,
  POOL_ID,
  signRs256,
} from '../support/jwt';
import { TENANTS, testConfig, testDeps, tokensOf } from './pre-token-fixtures';

const UNTIL = '2027-01-31T00:00:00Z';
const UNTIL_MS = Date.UTC(2027, 0, 31);
/** A deployment that renamed `tenant` to `org` (version 1 → 2), window open until `UNTIL`. */
const RENAMED: Record<string, string> = {
  TENANCY_TENANT_ID_CLAIM: 'org',
  TENANCY_CLAIMS_VERSION: '2',
  TENANCY_CLAIM_RENAMES: 'tenant=org',
  TENANCY_CLAIM_RENAMES_UNTIL: UNTIL,
};

function configError(env: Env): ConfigurationError {
  try {
    claimNamesFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('claims contract configuration (validated at cold start)', () => {
  it('defaults to version 1 under the tenancy:v claim, with no rename window', () => {
    // Act
    const contract = claimNamesFromEnv({});

    // Assess
    expect(contract).toEqual({
      tenantId: 'tenantId',
      tier: 'tier',
      version: 'tenancy:v',
      claimsVersion: 1,
      migration: undefined,
    });
  });

  it('reads a rename: the previous version is one less and has the old name', () => {
    // Act
    const contract = claimNamesFromEnv({
      ...RENAMED,
      TENANCY_TIER_CLAIM: 'plan',
      TENANCY_CLAIM_RENAMES: 'tenant=org, tier=plan',
    });

    // Assess
    expect(contract.claimsVersion).toBe(2);
    expect(contract.migration).toEqual({
      previousVersion: 1,
      previousNames: { tenantId: 'tenant', tier: 'tier', version: 'tenancy:v' },
      renames: new Map([
        ['tenant', 'tenantId'],
        ['tier', 'tier'],
      ]),
      untilMs: UNTIL_MS,
    });
  });

  it.each([
    [{ TENANCY_VERSION_CLAIM: 'version' }, 'TENANCY_VERSION_CLAIM', /reserved claim/],
    [{ TENANCY_VERSION_CLAIM: 'iat' }, 'TENANCY_VERSION_CLAIM', /reserved claim/],
    [{ TENANCY_VERSION_CLAIM: 'cognito:v' }, 'TENANCY_VERSION_CLAIM', /reserved claim/],
    [{ TENANCY_VERSION_CLAIM: 'token_use' }, 'TENANCY_VERSION_CLAIM', /reserved claim/],
    [{ TENANCY_VERSION_CLAIM: '1v' }, 'TENANCY_VERSION_CLAIM', /not a valid claim name/],
    [{ TENANCY_VERSION_CLAIM: 'tenancy v' }, 'TENANCY_VERSION_CLAIM', /not a valid claim name/],
    [{ TENANCY_VERSION_CLAIM: 'tenantId' }, 'TENANCY_VERSION_CLAIM', /already names a tenant claim/],
    [{ TENANCY_VERSION_CLAIM: 'plan', TENANCY_TIER_CLAIM: 'plan' }, 'TENANCY_VERSION_CLAIM', /already names/],
    [{ TENANCY_CLAIMS_VERSION: '0' }, 'TENANCY_CLAIMS_VERSION', /integer from 1 to 999/],
    [{ TENANCY_CLAIMS_VERSION: '1000' }, 'TENANCY_CLAIMS_VERSION', /integer from 1 to 999/],
    [{ TENANCY_CLAIMS_VERSION: '1.5' }, 'TENANCY_CLAIMS_VERSION', /integer/],
    [{ ...RENAMED, TENANCY_CLAIMS_VERSION: '1' }, 'TENANCY_CLAIM_RENAMES', /new claims version/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES_UNTIL: '' }, 'TENANCY_CLAIM_RENAMES_UNTIL', /required/],
    [{ TENANCY_CLAIM_RENAMES_UNTIL: UNTIL }, 'TENANCY_CLAIM_RENAMES_UNTIL', /without TENANCY_CLAIM_RENAMES/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES_UNTIL: '2027-01-31' }, 'TENANCY_CLAIM_RENAMES_UNTIL', /UTC instant/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES_UNTIL: '2027-01-31T00:00:00+01:00' }, 'TENANCY_CLAIM_RENAMES_UNTIL', /UTC/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES_UNTIL: '2027-02-30T00:00:00Z' }, 'TENANCY_CLAIM_RENAMES_UNTIL', /UTC/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES_UNTIL: 'next month' }, 'TENANCY_CLAIM_RENAMES_UNTIL', /UTC instant/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES: 'tenant=nope' }, 'TENANCY_CLAIM_RENAMES', /not a tenant claim/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES: 'v=tenancy:v' }, 'TENANCY_CLAIM_RENAMES', /version claim is never renamed/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES: 'sub=org' }, 'TENANCY_CLAIM_RENAMES', /reserved claim/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES: 'cognito:tenant=org' }, 'TENANCY_CLAIM_RENAMES', /reserved claim/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES: 'tier=org' }, 'TENANCY_CLAIM_RENAMES', /already names a tenant claim/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES: 'tenancy:v=org' }, 'TENANCY_CLAIM_RENAMES', /already names/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES: 'a=org,b=org' }, 'TENANCY_CLAIM_RENAMES', /renamed twice/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES: 'a=org,a=tier' }, 'TENANCY_CLAIM_RENAMES', /already names/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES: 'a=b=org' }, 'TENANCY_CLAIM_RENAMES', /oldName=newName/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES: 'tenant' }, 'TENANCY_CLAIM_RENAMES', /not a tenant claim/],
    [{ ...RENAMED, TENANCY_CLAIM_RENAMES: '=org' }, 'TENANCY_CLAIM_RENAMES', /not a valid claim name/],
  ])('refuses %j, naming the setting', (env, setting, message) => {
    // Act
    const error = configError(env);

    // Assess
    expect(error.setting).toBe(setting);
    expect(error.message).toMatch(message);
  });

  it('stops the authorizer too: it reads the same contract', () => {
    // Act
    const attempt = () =>
      authorizerConfigFromEnv({
        TENANCY_USER_POOL_IDS: POOL_ID,
        TENANCY_CLIENT_IDS: CLIENT_ID,
        TENANCY_VERSION_CLAIM: 'exp',
      });

    // Assess
    expect(attempt).toThrow(ConfigurationError);
  });
});

describe('the version a token carries', () => {
  it.each([
    [1, 1],
    ['1', 1],
    [999, 999],
    ['42', 42],
  ])('reads %j as version %d', (value, version) => {
    expect(claimsVersionOf(value)).toBe(version);
  });

  it.each([
    [undefined],
    [null],
    [0],
    [-1],
    [1.5],
    [1000],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    ['01'],
    ['1.0'],
    [' 1'],
    ['1 '],
    ['+1'],
    ['0x1'],
    ['1e0'],
    [''],
    ['١'],
    [true],
    [[1]],
    [{ v: 1 }],
  ])('refuses %o', (value) => {
    expect(claimsVersionOf(value)).toBeUndefined();
  });

  it('reads the current names for the current version and the previous names only inside the window', () => {
    // Prepare
    const contract = claimNamesFromEnv(RENAMED);

    // Act
    const current = namesForVersion(contract, 2, UNTIL_MS + 1);
    const previousInside = namesForVersion(contract, 1, UNTIL_MS - 1);
    const previousAtEnd = namesForVersion(contract, 1, UNTIL_MS);
    const older = namesForVersion(contract, 0, 0);
    const newer = namesForVersion(contract, 3, 0);

    // Assess
    expect(current).toBe(contract);
    expect(previousInside).toEqual({ tenantId: 'tenant', tier: 'tier', version: 'tenancy:v' });
    expect([previousAtEnd, older, newer]).toEqual([undefined, undefined, undefined]);
    expect([migrationOpen(contract, UNTIL_MS - 1), migrationOpen(contract, UNTIL_MS)]).toEqual([true, false]);
    expect(migrationOpen(claimNamesFromEnv({}), 0)).toBe(false);
  });
});

describe('pre token generation writes the version claim', () => {
  it('as the string "1" in V1 responses, whose claim values are strings only', async () => {
    // Prepare
    const handler = createPreTokenGenerationHandler(testDeps());

    // Act
    const result = await handler(loadEvent('pre-token-generation/v1-authentication.json'));

    // Assess
    expect(tokensOf(result.response).map((token) => token.overrides['tenancy:v'])).toEqual(['1']);
  });

  it('as the integer 1 in both V2 tokens and in the V3 machine-to-machine token', async () => {
    // Prepare
    const handler = createPreTokenGenerationHandler(testDeps());

    // Act
    const user = await handler(loadEvent('pre-token-generation/v2-authentication.json'));
    const client = await handler(loadEvent('pre-token-generation/v3-client-credentials.json'));

    // Assess
    expect(tokensOf(user.response).map((token) => token.overrides['tenancy:v'])).toEqual([1, 1]);
    expect(tokensOf(client.response).map((token) => token.overrides['tenancy:v'])).toEqual([1]);
  });

  it('under a configured name and version', async () => {
    // Prepare
    const deps = testDeps({ config: testConfig({ TENANCY_VERSION_CLAIM: 'acme:cv', TENANCY_CLAIMS_VERSION: '7' }) });
    const handler = createPreTokenGenerationHandler(deps);

    // Act
    const result = await handler(loadEvent('pre-token-generation/v2-authentication.json'));

    // Assess
    for (const token of tokensOf(result.response)) {
      expect(token.overrides['acme:cv']).toBe(7);
      expect(token.overrides).not.toHaveProperty('tenancy:v');
    }
  });

  it('suppresses user attributes named like the version claim or an old claim name', async () => {
    // Prepare
    const handler = createPreTokenGenerationHandler(testDeps({ config: testConfig(RENAMED), now: () => 0 }));
    const event = loadEvent<{ request: { userAttributes: Record<string, string> } }>(
      'pre-token-generation/v1-authentication.json',
    );
    event.request.userAttributes['custom:tenancy_v'] = '9';
    event.request.userAttributes['custom:Tenant'] = 'globex';

    // Act
    const result = await handler(event);

    // Assess
    const [token] = tokensOf(result.response);
    expect(token?.suppress).toEqual(expect.arrayContaining(['custom:tenancy_v', 'custom:Tenant']));
    expect(token?.overrides).toMatchObject({ org: 'acme', tenant: 'acme', 'tenancy:v': '2' });
  });
});

describe('pre token generation during a rename window', () => {
  const acme = TENANTS.find((tenant) => tenant.tenantId === 'acme');
  const globex = TENANTS.find((tenant) => tenant.tenantId === 'globex');
  const membership = {
    tenantId: 'acme',
    sub: '7a3f9c2e-1b4d-4e8a-9c6f-2d5e8b1a0c47',
    role: 'tenant-member',
    status: 'active',
    source: 'invite',
    joinedAt: '2025-01-01T00:00:00.000Z',
  } as const;
  const request = (file: string) => parseTokenRequest(loadEvent(`pre-token-generation/${file}`)) as UserTokenRequest;

  it('issues each old name beside its new one, with the same value, in every token of every event version', () => {
    // Prepare
    if (acme === undefined || globex === undefined) throw new Error('fixture');
    const shaper = createClaimShaper(
      testConfig({ ...RENAMED, TENANCY_TIER_CLAIM: 'plan', TENANCY_CLAIM_RENAMES: 'tenant=org,tier=plan' }),
      () => UNTIL_MS - 1,
    );

    // Act
    const tokens = [
      ...tokensOf(shaper.user(request('v1-authentication.json'), acme, membership)),
      ...tokensOf(
        shaper.user(request('v2-refresh-tokens.json'), globex, {
          ...membership,
          tenantId: 'globex',
          sub: 'a9b8c7d6-e5f4-4a3b-8c2d-1e0f9a8b7c6d',
        }),
      ),
      ...tokensOf(shaper.client(acme)),
    ];

    // Assess
    expect(tokens.map((token) => token.overrides)).toEqual([
      { org: 'acme', plan: 'standard', 'tenancy:v': '2', tenant: 'acme', tier: 'standard' },
      { org: 'globex', plan: 'enterprise', 'tenancy:v': 2, tenant: 'globex', tier: 'enterprise' },
      { org: 'globex', plan: 'enterprise', 'tenancy:v': 2, tenant: 'globex', tier: 'enterprise' },
      { org: 'acme', plan: 'standard', 'tenancy:v': 2, tenant: 'acme', tier: 'standard' },
    ]);
  });

  it('issues only the new names once the window has ended', () => {
    // Prepare
    if (acme === undefined || globex === undefined) throw new Error('fixture');
    const shaper = createClaimShaper(testConfig(RENAMED), () => UNTIL_MS);

    // Act
    const [token] = tokensOf(shaper.client(acme));

    // Assess
    expect(token?.overrides).toEqual({ org: 'acme', tier: 'standard', 'tenancy:v': 2 });
  });
});

describe('the authorizer checks the claims version (real RS256 tokens)', () => {
  const key = createSigningKey('version-key');
  const server = useJwksServer({ [POOL_ID]: [key] });
  let now = Date.now();
  // The window closes an hour from the real clock (aws-jwt-verify checks `exp` against it); the injected clock
  // of the verifier, which decides the window and the memo, is moved past it.
  const until = new Date(Math.ceil(Date.now() / 1000 + 3600) * 1000).toISOString().replace('.000Z', 'Z');

  function verifierFor(env: Env = {}, memoSize = 100) {
    const config = authorizerConfigFromEnv({
      TENANCY_USER_POOL_IDS: POOL_ID,
      TENANCY_CLIENT_IDS: CLIENT_ID,
      TENANCY_JWKS_URI: server.template,
      ...env,
    });
    const verifier = new TokenVerifier(
      createCognitoJwtVerifier(config),
      config.claimNames,
      memoSize,
      config.roleGroups,
      () => now,
    );
    return { config, verifier };
  }
  const renamed = () => verifierFor({ ...RENAMED, TENANCY_CLAIM_RENAMES_UNTIL: until });
  const token = (options: ClaimOptions) => signRs256(cognitoClaims(options), key);
  const reasonOf = async (verifier: TokenVerifier, jwt: string) => {
    const result = await verifier.verify(jwt);
    return 'reason' in result ? result.reason : `caller v${result.caller.claimsVersion} ${result.caller.tenantId}`;
  };

  it('passes the version in the context of an allowed request', async () => {
    // Prepare
    now = Date.now();
    const { config, verifier } = verifierFor();
    const authorizer = new Authorizer({ verifier, routes: config.routes, tiers: config.tiers });

    // Act
    const decision = await authorizer.authorize({
      authorization: `Bearer ${token({})}`,
      methodArn: `${ARN_PREFIX}GET/tenants/acme/me`,
    });

    // Assess
    expect(decision.effect).toBe('Allow');
    expect('context' in decision && decision.context.claimsVersion).toBe('1');
  });

  it('accepts the string form "1" an ID token from a V1 event carries', async () => {
    // Prepare
    now = Date.now();
    const { verifier } = verifierFor({ TENANCY_TOKEN_USE: 'id' });

    // Act
    const reason = await reasonOf(verifier, token({ tokenUse: 'id', claimsVersion: '1' }));

    // Assess
    expect(reason).toBe('caller v1 acme');
  });

  it('refuses the string form in an access token, which only V2/V3 events (integer values) shape', async () => {
    // Prepare
    now = Date.now();
    const { verifier } = verifierFor();

    // Act
    const reason = await reasonOf(verifier, token({ claimsVersion: '1' }));

    // Assess
    expect(reason).toBe('unknown-claims-version');
  });

  it.each([
    [null, 'missing-claims-version'],
    [2, 'unknown-claims-version'],
    [0, 'unknown-claims-version'],
    ['01', 'unknown-claims-version'],
    [1.5, 'unknown-claims-version'],
    [true, 'unknown-claims-version'],
    [[1], 'unknown-claims-version'],
    [{}, 'unknown-claims-version'],
  ])('refuses a token whose version is %j (401, %s)', async (claimsVersion, expected) => {
    // Prepare
    now = Date.now();
    const { verifier } = verifierFor();

    // Act
    const reason = await reasonOf(verifier, token({ claimsVersion }));

    // Assess
    expect(reason).toBe(expected);
  });

  it('accepts both versions inside a rename window, each read by its own names, and never a guess', async () => {
    // Prepare
    now = Date.now();
    const { verifier } = renamed();
    const v1 = token({ claimsVersion: 1, tenantId: null, extra: { tenant: 'acme' } });
    const v2 = token({ claimsVersion: 2, tenantId: null, extra: { org: 'acme', tenant: 'acme' } });
    const v2OldNameOnly = token({ claimsVersion: 2, tenantId: null, extra: { tenant: 'acme' } });
    const v1NewNameOnly = token({ claimsVersion: 1, tenantId: null, extra: { org: 'acme' } });

    // Act
    const reasons = await Promise.all([v1, v2, v2OldNameOnly, v1NewNameOnly].map((jwt) => reasonOf(verifier, jwt)));

    // Assess
    expect(reasons).toEqual(['caller v1 acme', 'caller v2 acme', 'missing-tenant-claim', 'missing-tenant-claim']);
  });

  it('refuses the previous version once the window has ended, even a token memoized before', async () => {
    // Prepare
    now = Date.now();
    const { verifier } = renamed();
    const v1 = token({ claimsVersion: 1, tenantId: null, extra: { tenant: 'acme' } });
    const v2 = token({ claimsVersion: 2, tenantId: null, extra: { org: 'acme' } });
    const before = await reasonOf(verifier, v1);
    await reasonOf(verifier, v2);

    // Act
    now = Date.parse(until);
    const memoizedV1 = verifier.memoized(v1);
    const afterV1 = await reasonOf(verifier, v1);
    const afterV2 = await reasonOf(verifier, v2);

    // Assess
    expect(before).toBe('caller v1 acme');
    expect(memoizedV1).toBeUndefined();
    expect(afterV1).toBe('unknown-claims-version');
    expect(afterV2).toBe('caller v2 acme');
  });

  it('runs the documented rename (docs/claims.md "Migrating a claim name") from trigger to authorizer', async () => {
    // Prepare: version 1 tokens minted before the deploy, then the renamed trigger and authorizer.
    now = Date.now();
    const signed = (claims: Record<string, unknown>) =>
      signRs256({ ...claims, aud: CLIENT_ID, exp: Math.floor(Date.now() / 1000) + 600 }, key);
    const mintWith = async (env: Record<string, string>, clock: number) => {
      const deps = testDeps({ config: testConfig(env), now: () => clock });
      const event = loadEvent<Parameters<typeof mintTokens>[0]>('pre-token-generation/v2-authentication.json');
      (event.callerContext as { clientId: string }).clientId = CLIENT_ID;
      (event as { userPoolId: string }).userPoolId = POOL_ID;
      const result = await createPreTokenGenerationHandler(deps)(event);
      return mintTokens(event, result.response).map((token) => token.claims);
    };
    // As in the documentation: `tenantId` becomes `org`.
    const renamedEnv = { ...RENAMED, TENANCY_CLAIM_RENAMES: 'tenantId=org', TENANCY_CLAIM_RENAMES_UNTIL: until };
    const [, beforeAccess] = await mintWith({}, now);
    const [, duringAccess] = await mintWith(renamedEnv, now);
    const [, afterAccess] = await mintWith(renamedEnv, Date.parse(until));
    const { verifier } = verifierFor(renamedEnv);
    const oldToken = signed(beforeAccess ?? {});

    // Act
    const during = [await reasonOf(verifier, oldToken), await reasonOf(verifier, signed(duringAccess ?? {}))];
    now = Date.parse(until);
    const after = [await reasonOf(verifier, oldToken), await reasonOf(verifier, signed(afterAccess ?? {}))];

    // Assess
    expect(duringAccess).toMatchObject({ org: 'globex', tenantId: 'globex', 'tenancy:v': 2 });
    expect(afterAccess).toMatchObject({ org: 'globex', 'tenancy:v': 2 });
    expect(afterAccess).not.toHaveProperty('tenantId');
    expect(during).toEqual(['caller v1 globex', 'caller v2 globex']);
    expect(after).toEqual(['unknown-claims-version', 'caller v2 globex']);
  });

  it('never admits a version but the current one once a rename window has ended, whatever the token holds', async () => {
    // Prepare
    const { verifier } = verifierFor({ ...RENAMED, TENANCY_CLAIM_RENAMES_UNTIL: until }, 0);
    const versions = fc.oneof(fc.integer({ min: -2, max: 4 }), fc.constantFrom('1', '2', '02', null, 1.0000001));

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(versions, fc.boolean(), async (claimsVersion, both) => {
        now = Date.parse(until) + 1;
        const extra = both ? { org: 'acme', tenant: 'acme' } : { tenant: 'acme' };
        const reason = await reasonOf(verifier, token({ claimsVersion, tenantId: null, extra }));
        // Only version 2 is read, and only by its own names; version 1 (old names) is refused like any other.
        const expected =
          claimsVersion !== 2
            ? /^(missing|unknown)-claims-version$/
            : both
              ? /^caller v2 acme$/
              : /^missing-tenant-claim$/;
        expect(reason).toMatch(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('never allows a token signed with a wrong or malformed version outside the window, and never throws', async () => {
    // Prepare
    const { verifier } = verifierFor({}, 0);
    const versions = fc.oneof(
      fc.integer({ min: -5, max: 1005 }).filter((value) => value !== 1),
      fc.double().filter((value) => value !== 1),
      fc.string({ maxLength: 6 }).filter((value) => value !== '1'),
      fc.constantFrom('01', '1.0', ' 1', '1\n', '１', '1e0', '0x1', 'true', null, true, false),
      fc.array(fc.constant(1), { minLength: 1, maxLength: 2 }),
      fc.dictionary(fc.string({ maxLength: 3 }), fc.constant(1), { maxKeys: 2 }),
    );

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(versions, async (claimsVersion) => {
        now = Date.now();
        const reason = await reasonOf(verifier, token({ claimsVersion }));
        expect(reason).toMatch(/^(missing|unknown)-claims-version$/);
      }),
      { numRuns: 150 },
    );
  });
});

describe('the version check over arbitrary claims (property)', () => {
  const roleGroups = new Set(['tenant-admin', 'tenant-member']);
  const contracts: ClaimsContract[] = [claimNamesFromEnv({}), claimNamesFromEnv(RENAMED)];

  it('never admits a version other than the current one, or the previous one inside the window; never throws', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...contracts),
        fc.oneof(fc.anything(), fc.integer({ min: -2, max: 4 }), fc.constantFrom('1', '2', '3', '02')),
        fc.option(fc.constantFrom('acme', 'ACME', '', 'a*b'), { nil: undefined }),
        fc.option(fc.constantFrom('acme', 'ACME', ''), { nil: undefined }),
        fc.integer({ min: UNTIL_MS - 2, max: UNTIL_MS + 2 }),
        (contract, version, current, old, nowMs) => {
          // Prepare
          const claims: Record<string, unknown> = {
            sub: 'b1f0a7c2-0000-4000-8000-000000000001',
            exp: UNTIL_MS / 1000 + 60,
            iss: `https://cognito-idp.us-east-1.amazonaws.com/${POOL_ID}`,
            tier: 'standard',
            'tenancy:v': version,
            [contract.tenantId]: current,
            ...(contract.migration === undefined ? {} : { tenant: old }),
          };

          // Act
          const result = callerIdentityFromClaims(claims, contract, roleGroups, nowMs);

          // Assess
          if (!('caller' in result)) return;
          const parsed = claimsVersionOf(version);
          const previousOpen = contract.migration !== undefined && nowMs < contract.migration.untilMs;
          expect(
            parsed === contract.claimsVersion || (previousOpen && parsed === contract.migration?.previousVersion),
          ).toBe(true);
          const names = parsed === contract.claimsVersion ? contract : contract.migration?.previousNames;
          expect(result.caller.tenantId).toBe(claims[names?.tenantId ?? '']);
          expect(result.caller.expiresAt * 1000).toBeLessThanOrEqual(
            parsed === contract.claimsVersion ? Number.POSITIVE_INFINITY : (contract.migration?.untilMs ?? 0),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });
});
