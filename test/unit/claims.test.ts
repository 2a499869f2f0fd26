import { describe, expect, it } from 'vitest';
import type { Membership, MembershipSource } from '../../shared/registry/tenant';
import {
  BindingNotFoundError,
  InvalidInputError,
  MembershipMismatchError,
  MembershipNotFoundError,
  PoolMismatchError,
  TenancyError,
  TenantInactiveError,
  TenantNotAssignedError,
  TenantNotFoundError,
} from '../../shared/runtime/errors';
import { createClaimShaper, type PreTokenResponse } from '../../shared/tokens/claims';
import { parseTokenRequest, type UserTokenRequest } from '../../shared/tokens/pre-token-event';
import { createPreTokenGenerationHandler, type PreTokenResult } from '../../shared/tokens/pre-token-generation';
import { loadEvent } from '../support/events';
import { groupsOf, TENANTS, type TestEvent, testConfig, testDeps, tokensOf } from './pre-token-fixtures';

type Event = TestEvent;
const DIR = 'pre-token-generation';
const ACME = { tenantId: 'acme', tier: 'standard' };
const GLOBEX = { tenantId: 'globex', tier: 'enterprise' };
const NOT_ASSIGNED = 'Your account is not assigned to an organization.';
const NOT_ACTIVE = 'Your organization is not active.';
const GENERIC = 'The request could not be completed.';
const NOT_MEMBER = 'You are not a member of this organization.';
const ALICE = '7a3f9c2e-1b4d-4e8a-9c6f-2d5e8b1a0c47';

/** Runs the trigger (in-memory registry, default test configuration) over an event. */
async function run(event: Event, deps = testDeps()): Promise<PreTokenResult> {
  return createPreTokenGenerationHandler(deps)(event);
}

/** The refusal a run ends with. */
async function refusal(event: Event, deps = testDeps()): Promise<TenancyError> {
  const error = await run(event, deps).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof TenancyError)) throw new Error(`expected a TenancyError, got ${String(error)}`);
  return error;
}

// Every token carries the claims contract version: its decimal string in V1 responses, the integer in V2/V3.
const v1 = (claims: object, groups: string[], suppress?: string[]): PreTokenResponse => ({
  claimsOverrideDetails: {
    claimsToAddOrOverride: { ...claims, 'tenancy:v': '1' },
    ...(suppress && { claimsToSuppress: suppress }),
    groupOverrideDetails: { groupsToOverride: groups, iamRolesToOverride: [] },
  },
});

const v2 = (claims: object, groups: string[], suppress?: string[]): PreTokenResponse => ({
  claimsAndScopeOverrideDetails: {
    idTokenGeneration: {
      claimsToAddOrOverride: { ...claims, 'tenancy:v': 1 },
      ...(suppress && { claimsToSuppress: suppress }),
    },
    accessTokenGeneration: { claimsToAddOrOverride: { ...claims, 'tenancy:v': 1 } },
    groupOverrideDetails: { groupsToOverride: groups, iamRolesToOverride: [] },
  },
});

describe('pre token generation over the sample events', () => {
  it.each([
    ['v1-authentication.json', v1(ACME, ['tenant-member'])],
    // Bob's membership role is tenant-admin; the tenant-member group Cognito holds for him is not copied.
    ['v1-refresh-tokens.json', v1(ACME, ['tenant-admin'])],
    ['v1-new-password-challenge.json', v1(ACME, ['tenant-member'])],
    // cognito-local sends version "0" and `groupConfiguration: {}`: V1 format; the role comes from the membership.
    ['v0-emulator-authentication.json', v1(ACME, ['tenant-member'])],
    // Dave joined acme through its IdP as tenant-member; IdP groups: AcmeAdmins maps to tenant-admin; AcmeRoot
    // maps to platform-admin, which no mapping can grant; the pool's automatic `<pool>_AcmeSAML` group is not a
    // role. Mapped tenant-looking attributes are suppressed.
    [
      'v2-hosted-auth-federated.json',
      v2(ACME, ['tenant-admin', 'tenant-member'], ['custom:tier', 'custom:tenant', 'custom:TenantName']),
    ],
    // Erin really is in platform-admin: tenant tokens carry role groups only (see the decision tests below).
    ['v2-authentication.json', v2(GLOBEX, ['tenant-admin'])],
    ['v2-refresh-tokens.json', v2(GLOBEX, ['tenant-member'])],
    [
      'v3-client-credentials.json',
      {
        claimsAndScopeOverrideDetails: {
          accessTokenGeneration: { claimsToAddOrOverride: { ...GLOBEX, 'tenancy:v': 1 } },
        },
      },
    ],
  ])('replays %s to its exact override details', async (file, expected) => {
    // Prepare
    const event = loadEvent<Event>(`${DIR}/${file}`);

    // Act
    const result = await run(event);

    // Assess
    expect(result.response).toEqual(expected);
    expect({ ...result, response: undefined }).toEqual({ ...loadEvent<Event>(`${DIR}/${file}`), response: undefined });
  });

  it.each([
    ['refuse-no-tenant-id.json', TenantNotAssignedError, NOT_ASSIGNED],
    ['refuse-unknown-tenant.json', TenantNotFoundError, NOT_ASSIGNED],
    ['refuse-suspended-tenant.json', TenantInactiveError, NOT_ACTIVE],
    ['refuse-disabled-tenant.json', TenantInactiveError, NOT_ACTIVE],
    ['refuse-membership-mismatch.json', MembershipMismatchError, NOT_ASSIGNED],
    ['refuse-invalid-tenant-id.json', InvalidInputError, GENERIC],
    ['refuse-unbound-client.json', BindingNotFoundError, GENERIC],
    ['refuse-malformed-event.json', InvalidInputError, GENERIC],
  ])('refuses %s with a short user-safe message', async (file, cause, message) => {
    // Prepare
    const event = loadEvent<Event>(`${DIR}/${file}`);

    // Act
    const error = await refusal(event);

    // Assess
    expect(error.message).toBe(message);
    expect(error.userMessage).toBe(message);
    expect(error.cause).toBeInstanceOf(cause);
  });

  it('refuses a suspended tenant on every trigger source, sign-in and refresh alike', async () => {
    // Prepare
    const sources = [
      'TokenGeneration_HostedAuth',
      'TokenGeneration_Authentication',
      'TokenGeneration_NewPasswordChallenge',
      'TokenGeneration_AuthenticateDevice',
      'TokenGeneration_RefreshTokens',
    ];

    // Act
    const causes = await Promise.all(
      sources.flatMap((triggerSource) =>
        ['1', '2'].map(async (version) => {
          const event = loadEvent<Event>(`${DIR}/refuse-suspended-tenant.json`);
          return (await refusal({ ...event, version, triggerSource })).cause;
        }),
      ),
    );

    // Assess
    expect(causes).toHaveLength(10);
    for (const cause of causes) expect(cause).toBeInstanceOf(TenantInactiveError);
  });

  it('refuses a client-credentials event of a client bound to a suspended tenant', async () => {
    // Prepare
    const deps = testDeps();
    deps.registry.bindings.set('CLIENT#globexbridgeclient0000000', 'initech');

    // Act
    const error = await refusal(loadEvent(`${DIR}/v3-client-credentials.json`), deps);

    // Assess
    expect(error.cause).toBeInstanceOf(TenantInactiveError);
  });

  it('refuses client credentials in a version 1 or 2 event, which Cognito never sends', async () => {
    // Prepare
    const event = loadEvent<Event>(`${DIR}/v3-client-credentials.json`);

    // Act
    const errors = [await refusal({ ...event, version: '1' }), await refusal({ ...event, version: '2' })];

    // Assess
    for (const error of errors) expect(error.cause).toBeInstanceOf(InvalidInputError);
  });
});

describe('tamper resistance', () => {
  const base = 'v1-authentication.json';
  const baseV2 = 'v2-authentication.json';

  async function untampered(file: string) {
    return (await run(loadEvent(`${DIR}/${file}`))).response;
  }

  it.each([
    ['user attributes named like the tenant claims', { tenantId: 'globex', tier: 'enterprise' }],
    ['reserved-claim attributes', { 'cognito:groups': 'platform-admin', aud: 'other', 'cognito:username': 'root' }],
    ['an IdP-groups attribute on a user of the pool itself', { 'custom:idpGroups': '["AcmeAdmins","AcmeRoot"]' }],
    ['a second tenant attribute that is not custom:tenantId', { 'dev:custom:tenantId': 'globex' }],
  ])('ignores %s', async (_name, attributes) => {
    // Prepare
    for (const file of [base, baseV2]) {
      const event = loadEvent<Event>(`${DIR}/${file}`);
      Object.assign(event.request.userAttributes, attributes);

      // Act
      const result = await run(event);

      // Assess
      const expected = await untampered(file);
      if ('dev:custom:tenantId' in attributes) {
        // Named like a tenant claim, so it is also suppressed; the claims and groups stay the same.
        expect(tokensOf(result.response)[0]?.suppress).toEqual(['dev:custom:tenantId']);
        expect(groupsOf(result.response)).toEqual(groupsOf(expected));
        expect(tokensOf(result.response).map((token) => token.overrides)).toEqual(
          tokensOf(expected).map((token) => token.overrides),
        );
      } else {
        expect(result.response).toEqual(expected);
      }
    }
  });

  it('ignores clientMetadata keys other than the per-session tenantId', async () => {
    // Prepare
    const event = loadEvent<Event>(`${DIR}/${base}`);
    event.request.clientMetadata = {
      'custom:tenantId': 'globex',
      tier: 'enterprise',
      role: 'admin',
    };

    // Act
    const result = await run(event);

    // Assess
    expect(result.response).toEqual(await untampered(base));
  });

  it('never copies the user’s Cognito role groups: a role held elsewhere stays out of this tenant’s token', async () => {
    // Prepare: alice is tenant-admin of globex and tenant-member of acme; Cognito may hold both groups for her.
    const event = loadEvent<Event>(`${DIR}/${base}`);
    event.request.groupConfiguration.groupsToOverride = ['tenant-admin', 'tenant-member'];

    // Act
    const result = await run(event);

    // Assess
    expect(result.response).toEqual(v1(ACME, ['tenant-member']));
  });

  it('ignores groups outside the role set, including platform groups, in the group configuration', async () => {
    // Prepare
    const event = loadEvent<Event>(`${DIR}/${base}`);
    event.request.groupConfiguration.groupsToOverride.push(
      'platform-admin',
      'globex-admins',
      'us-east-1_Tenancy1_Okta',
    );

    // Act
    const result = await run(event);

    // Assess
    expect(result.response).toEqual(await untampered(base));
  });

  it('suppresses mapped tenant-looking attributes without touching the tenant claims, in V1 and V2', async () => {
    // Prepare
    const mapped = { 'custom:tier': 'enterprise', 'custom:tenant': 'globex', 'custom:tenant_id': 'globex' };
    const v1Event = loadEvent<Event>(`${DIR}/${base}`);
    const v2Event = loadEvent<Event>(`${DIR}/${baseV2}`);
    Object.assign(v1Event.request.userAttributes, mapped);
    Object.assign(v2Event.request.userAttributes, mapped);

    // Act
    const [r1, r2] = [await run(v1Event), await run(v2Event)];

    // Assess
    const suppressed = ['custom:tier', 'custom:tenant', 'custom:tenant_id'];
    expect(r1.response).toEqual(v1(ACME, ['tenant-member'], suppressed));
    expect(r2.response).toEqual(v2(GLOBEX, ['tenant-admin'], suppressed));
  });

  it('maps no role from IdP group names that only look like roles or object internals', async () => {
    // Prepare
    const event = loadEvent<Event>(`${DIR}/v2-hosted-auth-federated.json`);
    event.request.userAttributes['custom:idpGroups'] = '["tenant-admin","platform-admin","__proto__","constructor"]';

    // Act
    const result = await run(event);

    // Assess: only the membership's own role.
    expect(groupsOf(result.response)).toEqual(['tenant-member']);
  });

  it('reads custom:tenantId only as an own attribute of the event', async () => {
    // Prepare: JSON with a "__proto__" key, as a hostile event could carry it.
    const event = loadEvent<Event>(`${DIR}/refuse-no-tenant-id.json`);
    event.request.userAttributes = JSON.parse(
      `{"sub":"4e1d1000-aaaa-4bbb-8ccc-dddddddddddd","__proto__":{"custom:tenantId":"acme"}}`,
    );

    // Act
    const error = await refusal(event);

    // Assess
    expect(error.cause).toBeInstanceOf(TenantNotAssignedError);
  });
});

describe('claim shaping decisions', () => {
  const acme = TENANTS.find((entry) => entry.tenantId === 'acme');
  if (acme === undefined) throw new Error('fixture');

  /** The user's membership of `tenantId` with this role (the shaper takes what the handler read). */
  function member(
    request: UserTokenRequest,
    role: string,
    source: MembershipSource = 'invite',
    tenantId = 'acme',
  ): Membership {
    return { tenantId, sub: request.sub, role, status: 'active', source, joinedAt: '2025-01-01T00:00:00.000Z' };
  }

  function request(file: string, attributes: Record<string, string> = {}, groups?: string[]): UserTokenRequest {
    const event = loadEvent<Event>(`${DIR}/${file}`);
    Object.assign(event.request.userAttributes, attributes);
    if (groups !== undefined) event.request.groupConfiguration.groupsToOverride = groups;
    const parsed = parseTokenRequest(event);
    if (parsed.kind !== 'user') throw new Error('fixture');
    return parsed;
  }

  it('leaves the user’s real platform group out of tenant tokens: the override is role groups and mapped roles', () => {
    // Prepare
    const shaper = createClaimShaper(testConfig());

    // Act
    const req = request('v1-authentication.json', {}, ['platform-admin', 'tenant-admin']);
    const result = shaper.user(req, acme, member(req, 'tenant-admin'));

    // Assess
    expect(result).toEqual(v1(ACME, ['tenant-admin']));
  });

  it('keeps custom:tenantId in the ID token: it is the authoritative value the tenantId claim repeats', () => {
    // Prepare
    const shaper = createClaimShaper(testConfig());

    // Act
    const req = request('v1-authentication.json');
    const result = shaper.user(req, acme, member(req, 'tenant-member'));

    // Assess
    expect(result).toEqual(v1(ACME, ['tenant-member']));
    expect(JSON.stringify(result)).not.toContain('claimsToSuppress');
  });

  it('never suppresses a claim it overrides, even when the claims are renamed onto custom attribute names', () => {
    // Prepare
    const config = testConfig({ TENANCY_TENANT_ID_CLAIM: 'custom:tenantId', TENANCY_TIER_CLAIM: 'custom:tier' });
    const shaper = createClaimShaper(config);

    // Act
    const req = request('v1-authentication.json', { 'custom:tier': 'enterprise', 'custom:tenant': 'x' });
    const result = shaper.user(req, acme, member(req, 'tenant-member'));

    // Assess
    expect(result).toEqual(
      v1({ 'custom:tenantId': 'acme', 'custom:tier': 'standard' }, ['tenant-member'], ['custom:tenant']),
    );
  });

  it('writes configured claim names and suppresses attributes named like them', () => {
    // Prepare
    const shaper = createClaimShaper(testConfig({ TENANCY_TENANT_ID_CLAIM: 'org', TENANCY_TIER_CLAIM: 'plan' }));

    // Act
    const req = request('v2-authentication.json', { 'custom:plan': 'enterprise', 'custom:Org': 'x' });
    const result = shaper.user(
      req,
      { ...acme, tenantId: 'globex', tier: 'enterprise' },
      member(req, 'tenant-admin', 'invite', 'globex'),
    );

    // Assess
    expect(result).toEqual(v2({ org: 'globex', plan: 'enterprise' }, ['tenant-admin'], ['custom:plan', 'custom:Org']));
  });

  it('maps IdP groups for federated users only, from JSON, bracketed and bare list forms', () => {
    // Prepare
    const shaper = createClaimShaper(testConfig());
    const forms = [
      '["AcmeStaff","AcmeAdmins"]',
      '[AcmeStaff, AcmeAdmins]',
      'AcmeStaff,AcmeAdmins',
      'AcmeStaff AcmeAdmins',
    ];

    // Act
    const groups = forms.map((value) => {
      const req = request('v2-hosted-auth-federated.json', { 'custom:idpGroups': value });
      return groupsOf(shaper.user(req, acme, member(req, 'tenant-member', 'idp')));
    });

    // Assess
    for (const entry of groups) expect(entry).toEqual(['tenant-admin', 'tenant-member']);
  });

  it('maps IdP groups with the tenant record it is given, never with mappings of an older record', () => {
    // Prepare
    const shaper = createClaimShaper(testConfig());
    const federated = request('v2-hosted-auth-federated.json', { 'custom:idpGroups': '[AcmeAdmins]' });
    const membership = member(federated, 'tenant-member', 'idp');
    const before = groupsOf(shaper.user(federated, acme, membership));

    // Act
    const after = groupsOf(
      shaper.user(federated, { ...acme, roleMappings: { AcmeAdmins: 'tenant-member' } }, membership),
    );

    // Assess
    expect(before).toEqual(['tenant-admin', 'tenant-member']);
    expect(after).toEqual(['tenant-member']);
  });

  it('maps IdP groups only for a membership that came through the tenant’s IdP, not for a federated guest', () => {
    // Prepare: a consultant federated through another tenant's IdP, invited into acme as a member.
    const shaper = createClaimShaper(testConfig());
    const federated = request('v2-hosted-auth-federated.json', { 'custom:idpGroups': '[AcmeAdmins]' });

    // Act
    const guest = groupsOf(shaper.user(federated, acme, member(federated, 'tenant-member', 'invite')));

    // Assess
    expect(guest).toEqual(['tenant-member']);
  });

  it('maps no IdP groups when no IdP-groups attribute is configured', () => {
    // Prepare
    const shaper = createClaimShaper(testConfig({ TENANCY_IDP_GROUPS_ATTRIBUTE: '' }));

    // Act
    const req = request('v2-hosted-auth-federated.json');
    const result = shaper.user(req, acme, member(req, 'tenant-member', 'idp'));

    // Assess
    expect(groupsOf(result)).toEqual(['tenant-member']);
  });

  it('lists role groups in the configured order without duplicates', () => {
    // Prepare
    const shaper = createClaimShaper(testConfig({ TENANCY_ROLE_GROUPS: 'tenant-member,tenant-admin,tenant-billing' }));

    // Act
    const req = request('v2-hosted-auth-federated.json', { 'custom:idpGroups': 'AcmeAdmins,AcmeStaff,AcmeAdmins' });
    const result = shaper.user(req, acme, member(req, 'tenant-billing', 'idp'));

    // Assess
    expect(groupsOf(result)).toEqual(['tenant-member', 'tenant-admin', 'tenant-billing']);
  });

  it('refuses to shape claims for a tenant record that is not the user’s custom:tenantId', () => {
    // Prepare
    const shaper = createClaimShaper(testConfig());
    const globex = TENANTS.find((entry) => entry.tenantId === 'globex');
    if (globex === undefined) throw new Error('fixture');

    const req = request('v1-authentication.json');

    // Act
    const acts = [
      () => shaper.user(req, globex, member(req, 'tenant-member', 'invite', 'globex')),
      () => shaper.user(req, acme, member(req, 'tenant-member', 'invite', 'globex')),
      () => shaper.user(req, acme, { ...member(req, 'tenant-member'), sub: 'someone-else' }),
    ];

    // Assess
    for (const act of acts) expect(act).toThrow(TenancyError);
  });
});

describe('pool pinning', () => {
  it.each([
    ['acme is bound to another pool', { acme: ['us-east-1_SiloAcme'] }, {}, 'pool-mismatch'],
    ["the user's pool is globex's silo pool", {}, { 'us-east-1_Tenancy1': 'globex' }, 'pool-mismatch'],
    ["acme is bound to the user's pool", { acme: ['us-east-1_Tenancy1'] }, { 'us-east-1_Tenancy1': 'acme' }, 'issued'],
    ['neither is bound', {}, {}, 'issued'],
  ])(
    'issues tokens for acme to a user of the shared pool only when pinning holds: %s',
    async (_, silos, pools, expected) => {
      // Prepare
      const deps = testDeps();
      for (const [tenantId, siloPools] of Object.entries(silos as Record<string, string[]>)) {
        const tenant = deps.registry.tenants.get(tenantId);
        if (tenant !== undefined) deps.registry.tenants.set(tenantId, { ...tenant, siloPools });
      }
      for (const [poolId, tenantId] of Object.entries(pools as Record<string, string>)) {
        deps.registry.bindings.set(`POOL#${poolId}`, tenantId);
      }

      // Act
      const outcome = await run(loadEvent(`${DIR}/v1-authentication.json`), deps).then(
        () => 'issued',
        (error: unknown) =>
          error instanceof TenancyError && error.cause instanceof PoolMismatchError ? 'pool-mismatch' : error,
      );

      // Assess
      expect(outcome).toBe(expected);
    },
  );
});

describe('membership verification', () => {
  it('reads the membership of every token while verification is on', async () => {
    // Prepare
    const deps = testDeps();
    const handler = createPreTokenGenerationHandler(deps);

    // Act
    for (let i = 0; i < 5; i++) await handler(loadEvent(`${DIR}/v1-authentication.json`));

    // Assess
    expect(deps.registry.reads).toEqual({ tenant: 1, membership: 5, binding: 1 });
  });

  it('issues the membership role as it is at refresh: a demotion shows at once, a removal refuses', async () => {
    // Prepare
    const deps = testDeps();
    const handler = createPreTokenGenerationHandler(deps);
    const event = () => loadEvent<Event>(`${DIR}/v1-refresh-tokens.json`);
    const key = 'acme/b0b5e1c2-3d4f-4a6b-8c9d-0e1f2a3b4c5d';
    const before = await handler(event());
    const bob = deps.registry.memberships.get(key);
    if (bob === undefined) throw new Error('fixture');
    deps.registry.memberships.set(key, { ...bob, role: 'tenant-member' });
    const demoted = await handler(event());
    deps.registry.memberships.delete(key);

    // Act
    const removed = await handler(event()).then(
      () => undefined,
      (error: unknown) => error as TenancyError,
    );

    // Assess
    expect(groupsOf(before.response)).toEqual(['tenant-admin']);
    expect(groupsOf(demoted.response)).toEqual(['tenant-member']);
    expect(removed?.cause).toBeInstanceOf(MembershipMismatchError);
  });

  it('refuses a membership that is not active (an invitation not yet accepted)', async () => {
    // Prepare
    const deps = testDeps();
    const key = `acme/${ALICE}`;
    const alice = deps.registry.memberships.get(key);
    if (alice === undefined) throw new Error('fixture');
    deps.registry.memberships.set(key, { ...alice, status: 'invited' });

    // Act
    const error = await refusal(loadEvent(`${DIR}/v1-authentication.json`), deps);

    // Assess
    expect(error.cause).toBeInstanceOf(MembershipNotFoundError);
    expect(error.message).toBe(NOT_MEMBER);
  });

  it('logs an error naming the likely misconfiguration when custom:tenantId has no membership behind it', async () => {
    // Prepare
    const deps = testDeps();

    // Act
    await refusal(loadEvent(`${DIR}/refuse-membership-mismatch.json`), deps);

    // Assess
    const errors = deps.logger.calls.filter((call) => call.method === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.args[0]).toMatch(/WriteAttributes include custom:tenantId.*attribute mapping/s);
    expect(errors[0]?.args[1]).toEqual({
      outcome: 'refused',
      reason: 'membership-mismatch',
      error: 'MembershipMismatchError',
      sub: '0badc0de-1234-4567-89ab-cdef01234567',
    });
  });
});

describe('per-session tenant (clientMetadata.tenantId on RespondToAuthChallenge and refresh)', () => {
  /** An event of alice (acme member, globex admin) whose client names a tenant for this session. */
  function asking(tenantId: unknown, file = 'v1-authentication.json'): Event {
    const event = loadEvent<Event>(`${DIR}/${file}`);
    event.request.clientMetadata = { tenantId };
    return event;
  }

  it('issues the chosen tenant with that membership’s role, and suppresses custom:tenantId in the ID token', async () => {
    // Act
    const result = await run(asking('globex'));

    // Assess
    expect(result.response).toEqual(v1(GLOBEX, ['tenant-admin'], ['custom:tenantId']));
  });

  it('issues both V2 tokens for the chosen tenant on a refresh', async () => {
    // Prepare
    const event = asking('globex', 'v2-refresh-tokens.json');
    event.request.userAttributes.sub = ALICE;
    event.request.userAttributes['custom:tenantId'] = 'acme';

    // Act
    const result = await run(event);

    // Assess
    expect(result.response).toEqual(v2(GLOBEX, ['tenant-admin'], ['custom:tenantId']));
  });

  it('answers a choice of the active tenant exactly like no choice', async () => {
    // Act
    const chosen = await run(asking('acme'));
    const plain = await run(loadEvent(`${DIR}/v1-authentication.json`));

    // Assess
    expect(chosen.response).toEqual(plain.response);
  });

  it('refuses a tenant the user is not a member of, and an unknown tenant, with one message and no fallback', async () => {
    // Prepare
    const deps = testDeps();
    const invited = deps.registry.memberships.get(`globex/${ALICE}`);
    if (invited === undefined) throw new Error('fixture');

    // Act
    const stranger = await refusal(asking('initech'), deps);
    const unknown = await refusal(asking('umbrella'), deps);
    deps.registry.memberships.set(`globex/${ALICE}`, { ...invited, status: 'invited' });
    const notActive = await refusal(asking('globex'), deps);

    // Assess
    for (const error of [stranger, unknown, notActive]) {
      expect(error.message).toBe(NOT_MEMBER);
      expect(error.cause).toBeInstanceOf(MembershipNotFoundError);
    }
  });

  it('refuses a member’s choice of a tenant that is not active', async () => {
    // Prepare
    const deps = testDeps();
    deps.registry.memberships.set(`initech/${ALICE}`, {
      tenantId: 'initech',
      sub: ALICE,
      role: 'tenant-member',
      status: 'active',
      source: 'invite',
      joinedAt: '2025-01-01T00:00:00.000Z',
    });

    // Act
    const error = await refusal(asking('initech'), deps);

    // Assess
    expect(error.cause).toBeInstanceOf(TenantInactiveError);
  });

  it.each([
    ['a malformed tenant id', 'ACME#USER#x'],
    ['a number', 42],
    ['an empty string', ''],
    ['an object', { tenantId: 'globex' }],
  ])('refuses %s as the chosen tenant, reading nothing', async (_name, value) => {
    // Prepare
    const deps = testDeps();

    // Act
    const error = await refusal(asking(value), deps);

    // Assess
    expect(error.cause).toBeInstanceOf(InvalidInputError);
    expect(deps.registry.reads).toEqual({ tenant: 0, membership: 0, binding: 0 });
  });

  it('refuses clientMetadata that is not an object', async () => {
    // Prepare
    const event = loadEvent<Event>(`${DIR}/v1-authentication.json`);
    event.request.clientMetadata = 'globex';

    // Act
    const error = await refusal(event);

    // Assess
    expect(error.cause).toBeInstanceOf(InvalidInputError);
  });

  it('issues a chosen tenant to a member whose custom:tenantId was cleared', async () => {
    // Prepare
    const deps = testDeps();
    const event = loadEvent<Event>(`${DIR}/refuse-no-tenant-id.json`);
    const sub = '4e1d1000-aaaa-4bbb-8ccc-dddddddddddd';
    event.request.clientMetadata = { tenantId: 'globex' };
    deps.registry.memberships.set(`globex/${sub}`, {
      tenantId: 'globex',
      sub,
      role: 'tenant-member',
      status: 'active',
      source: 'invite',
      joinedAt: '2025-01-01T00:00:00.000Z',
    });

    // Act
    const result = await run(event, deps);

    // Assess
    expect(result.response).toEqual(v1(GLOBEX, ['tenant-member']));
  });
});

describe('logging', () => {
  it('resets keys, then appends the tenant and trigger source of each invocation', async () => {
    // Prepare
    const deps = testDeps();
    const handler = createPreTokenGenerationHandler(deps);

    // Act
    await handler(loadEvent(`${DIR}/v1-authentication.json`));
    await handler(loadEvent(`${DIR}/v3-client-credentials.json`));

    // Assess
    expect(deps.logger.calls.map((call) => [call.method, ...call.args])).toEqual([
      ['resetKeys'],
      [
        'appendKeys',
        {
          triggerSource: 'TokenGeneration_Authentication',
          tenantId: 'acme',
          sub: '7a3f9c2e-1b4d-4e8a-9c6f-2d5e8b1a0c47',
        },
      ],
      [
        'info',
        'token claims issued',
        // The appended keys above are the line's own (the logger writes them): not repeated in its fields.
        { outcome: 'issued', reason: 'tenant-member', tier: 'standard' },
      ],
      ['resetKeys'],
      ['appendKeys', { triggerSource: 'TokenGeneration_ClientCredentials', tenantId: 'globex' }],
      [
        'info',
        'client credentials token claims issued',
        { outcome: 'issued', reason: 'client-binding', tier: 'enterprise' },
      ],
    ]);
  });

  it('names the trigger source and user of a refusal that happens before the tenant is known', async () => {
    // Prepare
    const deps = testDeps();

    // Act
    await refusal(loadEvent(`${DIR}/refuse-no-tenant-id.json`), deps);

    // Assess
    expect(deps.logger.calls.map((call) => [call.method, ...call.args])).toEqual([
      ['resetKeys'],
      ['appendKeys', { triggerSource: 'TokenGeneration_Authentication' }],
      ['appendKeys', { sub: '4e1d1000-aaaa-4bbb-8ccc-dddddddddddd' }],
      [
        'warn',
        'token refused',
        {
          outcome: 'refused',
          reason: 'no-tenant-attribute',
          error: 'TenantNotAssignedError',
          detail: 'user 4e1d1000-aaaa-4bbb-8ccc-dddddddddddd has no tenant assigned',
        },
      ],
    ]);
  });

  it('never logs e-mail addresses, user names or attribute values of the event', async () => {
    // Prepare
    const deps = testDeps();
    const handler = createPreTokenGenerationHandler(deps);
    const files = ['v2-hosted-auth-federated.json', 'refuse-unknown-tenant.json', 'refuse-suspended-tenant.json'];
    const emailAsTenant = loadEvent<Event>(`${DIR}/refuse-invalid-tenant-id.json`);
    emailAsTenant.request.userAttributes['custom:tenantId'] = 'mallory@acme.example';

    // Act
    for (const file of files) await handler(loadEvent(`${DIR}/${file}`)).catch(() => undefined);
    await handler(emailAsTenant).catch(() => undefined);

    // Assess
    const logged = JSON.stringify(deps.logger.calls);
    expect(logged).not.toMatch(/@|AcmeSAML_dave|AcmeAdmins|identities|userAttributes/);
  });
});
