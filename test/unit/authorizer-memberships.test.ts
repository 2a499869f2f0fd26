import { afterAll, describe, expect, it, vi } from 'vitest';
import type { PolicyResponse, SimpleResponse } from '../../functions/authorizer';
import { policyEffect } from '../../shared/authorizer/authorization-policy';
import { Authorizer } from '../../shared/authorizer/authorize';
import { authorizerConfigFromEnv } from '../../shared/authorizer/authorizer-config';
import { TenantStanding } from '../../shared/authorizer/tenant-standing';
import { createCognitoJwtVerifier, TokenVerifier } from '../../shared/authorizer/token-verifier';
import type { Membership, MembershipSource, Tenant } from '../../shared/registry/tenant';
import { coldStart } from '../support/cold-start';
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
import { MOCK_TABLE, mockRegistryReads } from '../support/registry-reads';

const arn = (resource: string) => `${ARN_PREFIX}${resource}`;
const ALICE = 'a11ce000-0000-4000-8000-000000000001';

interface MemberState {
  role: string;
  status?: Membership['status'];
  source?: MembershipSource;
}

/** In-memory registry reads: tenants (all active) with role mappings, memberships by `<tenant>#<sub>`. */
function memoryRegistry(memberships: Record<string, MemberState | undefined>, mappings: Record<string, string> = {}) {
  const state = { memberships, mappings, down: false, reads: { tenant: 0, membership: 0 } };
  const reads = {
    getTenant: async (tenantId: string): Promise<Tenant | undefined> => {
      state.reads.tenant++;
      if (state.down) throw new Error('registry unreachable');
      return {
        tenantId,
        name: tenantId,
        tier: 'standard',
        status: 'active',
        seats: 1,
        roleMappings: state.mappings,
        createdAt: '',
        updatedAt: '',
      };
    },
    resolveBinding: async () => undefined,
    getMembership: async (tenantId: string, sub: string): Promise<Membership | undefined> => {
      state.reads.membership++;
      if (state.down) throw new Error('registry unreachable');
      const held = state.memberships[`${tenantId}#${sub}`];
      return held === undefined
        ? undefined
        : {
            tenantId,
            sub,
            role: held.role,
            status: held.status ?? 'active',
            source: held.source ?? 'invite',
            joinedAt: '2026-01-01T00:00:00.000Z',
          };
    },
  };
  return { state, reads };
}

describe('authorizer membership check (the registry now, not the token)', () => {
  const key = createSigningKey('membership-check');
  const server = useJwksServer({ [POOL_ID]: [key] });
  let clock: number;

  function authorizerWith(reads: ReturnType<typeof memoryRegistry>['reads'], ttlSeconds = '60') {
    clock = 1_000_000;
    const config = authorizerConfigFromEnv({
      TENANCY_USER_POOL_IDS: POOL_ID,
      TENANCY_CLIENT_IDS: CLIENT_ID,
      TENANCY_JWKS_URI: server.template,
      TENANCY_CACHE_TTL_SECONDS: ttlSeconds,
    });
    const verifier = new TokenVerifier(createCognitoJwtVerifier(config), config.claimNames, 1000, config.roleGroups);
    const standing = new TenantStanding({
      reads,
      memberships: { reads, roleGroups: config.roleGroups },
      cacheTtlMs: config.cacheTtlMs,
      staleTtlMs: config.staleTtlMs,
      now: () => clock,
    });
    return new Authorizer({ verifier, routes: config.routes, tiers: config.tiers, standing });
  }

  const bearer = (options: ClaimOptions = {}) => `Bearer ${signRs256(cognitoClaims({ sub: ALICE, ...options }), key)}`;
  const ask = (authorizer: Authorizer, authorization: string, resource = 'GET/tenants/acme/me') =>
    authorizer.authorize({ authorization, methodArn: arn(resource), pathParameters: { tenantId: 'acme' } });

  it('denies a removed member within the cache TTL, with the token already issued, and the whole stage', async () => {
    // Prepare
    const { state, reads } = memoryRegistry({ [`acme#${ALICE}`]: { role: 'tenant-member' } });
    const authorizer = authorizerWith(reads);
    const token = bearer();
    const before = await ask(authorizer, token);
    state.memberships[`acme#${ALICE}`] = undefined;
    const cached = await ask(authorizer, token);
    clock += 60_000;

    // Act
    const after = await ask(authorizer, token);

    // Assess
    expect([before.effect, cached.effect]).toEqual(['Allow', 'Allow']);
    expect(after).toMatchObject({ effect: 'Deny', reason: 'membership-not-found' });
    if (after.effect === 'Unauthorized') throw new Error('unreachable');
    expect(policyEffect(after.policy, arn('GET/health'))).toBe('Deny');
  });

  it('builds even the denial of a non-canonical path from what the registry grants now: nothing for a removed member, no admin route for a demoted admin', async () => {
    // Prepare
    const removed = authorizerWith(memoryRegistry({}).reads);
    const demoted = authorizerWith(memoryRegistry({ [`acme#${ALICE}`]: { role: 'tenant-member' } }).reads);
    const token = bearer({ groups: ['tenant-admin'] });

    // Act
    const removedAnswer = await ask(removed, token, 'GET/tenants/acme/../acme/me');
    const demotedAnswer = await ask(demoted, token, 'GET/tenants/acme/../acme/me');

    // Assess
    if (removedAnswer.effect === 'Unauthorized' || demotedAnswer.effect === 'Unauthorized') throw new Error('401');
    expect(removedAnswer).toMatchObject({ effect: 'Deny', reason: 'membership-not-found' });
    expect(policyEffect(removedAnswer.policy, arn('GET/tenants/acme/me'))).toBe('Deny');
    expect(demotedAnswer).toMatchObject({ effect: 'Deny', reason: 'non-canonical-path' });
    expect(policyEffect(demotedAnswer.policy, arn('GET/tenants/acme/me'))).toBe('Allow');
    expect(policyEffect(demotedAnswer.policy, arn('GET/tenants/acme/admin/users'))).toBe('Deny');
  });

  it('denies a caller whose membership is only invited, or who never held one in the token tenant', async () => {
    // Prepare
    const { reads } = memoryRegistry({ [`acme#${ALICE}`]: { role: 'tenant-member', status: 'invited' } });
    const authorizer = authorizerWith(reads);

    // Act
    const invited = await ask(authorizer, bearer());
    const stranger = await ask(authorizer, bearer({ sub: 'b0b00000-0000-4000-8000-000000000002' }));

    // Assess
    expect(invited).toMatchObject({ effect: 'Deny', reason: 'membership-not-found' });
    expect(stranger).toMatchObject({ effect: 'Deny', reason: 'membership-not-found' });
  });

  it('judges a demoted admin with the registry role: admin routes denied, context groups lowered', async () => {
    // Prepare
    const { reads } = memoryRegistry({ [`acme#${ALICE}`]: { role: 'tenant-member' } });
    const authorizer = authorizerWith(reads);
    const token = bearer({ groups: ['tenant-admin'] });

    // Act
    const admin = await ask(authorizer, token, 'GET/tenants/acme/admin/users');
    const me = await ask(authorizer, token);

    // Assess
    expect(admin).toMatchObject({ effect: 'Deny', reason: 'group-required' });
    expect(me).toMatchObject({ effect: 'Allow', context: { groups: 'tenant-member', tenantId: 'acme', sub: ALICE } });
    if (me.effect === 'Unauthorized') throw new Error('unreachable');
    expect(policyEffect(me.policy, arn('GET/tenants/acme/admin/users'))).toBe('Deny');
  });

  it('keeps the token role of a member promoted since it was issued (the lower of the two) until refresh', async () => {
    // Prepare
    const { reads } = memoryRegistry({ [`acme#${ALICE}`]: { role: 'tenant-admin' } });
    const authorizer = authorizerWith(reads);

    // Act
    const admin = await ask(authorizer, bearer({ groups: ['tenant-member'] }), 'GET/tenants/acme/admin/users');

    // Assess
    expect(admin).toMatchObject({ effect: 'Deny', reason: 'group-required' });
  });

  it('keeps a role mapped from the IdP for a member who joined through the IdP, not for other members', async () => {
    // Prepare
    const mappings = { AcmeAdmins: 'tenant-admin' };
    const federated = memoryRegistry({ [`acme#${ALICE}`]: { role: 'tenant-member', source: 'idp' } }, mappings);
    const invited = memoryRegistry({ [`acme#${ALICE}`]: { role: 'tenant-member', source: 'invite' } }, mappings);
    const token = bearer({ groups: ['tenant-admin', 'tenant-member'] });

    // Act
    const viaIdp = await ask(authorizerWith(federated.reads), token, 'GET/tenants/acme/admin/users');
    const viaInvite = await ask(authorizerWith(invited.reads), token, 'GET/tenants/acme/admin/users');

    // Assess
    expect(viaIdp).toMatchObject({ effect: 'Allow', context: { groups: 'tenant-admin,tenant-member' } });
    expect(viaInvite).toMatchObject({ effect: 'Deny', context: { groups: 'tenant-member' } });
  });

  it('reads a membership once per TTL per caller, and answers 401 when the registry is down with nothing cached', async () => {
    // Prepare
    const { state, reads } = memoryRegistry({ [`acme#${ALICE}`]: { role: 'tenant-member' } });
    const authorizer = authorizerWith(reads);
    const token = bearer();
    for (let i = 0; i < 10; i++) await ask(authorizer, token);
    const readsWarm = { ...state.reads };
    state.down = true;

    // Act
    const cachedWhileDown = await ask(authorizer, token);
    const uncached = await ask(authorizer, bearer({ sub: 'c0c00000-0000-4000-8000-000000000003' }));

    // Assess
    expect(readsWarm).toEqual({ tenant: 1, membership: 1 });
    expect(cachedWhileDown.effect).toBe('Allow');
    expect(uncached).toEqual({ effect: 'Unauthorized', reason: 'registry-unavailable' });
  });

  it('reads the membership on every request with a TTL of 0', async () => {
    // Prepare
    const { state, reads } = memoryRegistry({ [`acme#${ALICE}`]: { role: 'tenant-member' } });
    const authorizer = authorizerWith(reads, '0');
    const token = bearer();

    // Act
    const first = await ask(authorizer, token);
    state.memberships[`acme#${ALICE}`] = undefined;
    const second = await ask(authorizer, token);

    // Assess
    expect(first.effect).toBe('Allow');
    expect(second).toMatchObject({ effect: 'Deny', reason: 'membership-not-found' });
  });
});

describe('authorizer function reads memberships from the registry table', () => {
  const key = createSigningKey('membership-handler');
  const server = useJwksServer({ [POOL_ID]: [key] });

  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('answers 403 for a token of a removed member and lowers a demoted member in the context', async () => {
    // Prepare
    const registry = mockRegistryReads({
      tenants: { acme: 'active' },
      memberships: { [`acme#${ALICE}`]: 'tenant-member', 'acme#b0b00000-0000-4000-8000-000000000002': null },
    });
    try {
      const module = await coldStart(() => import('../../functions/authorizer'), {
        TENANCY_USER_POOL_IDS: POOL_ID,
        TENANCY_CLIENT_IDS: CLIENT_ID,
        TENANCY_JWKS_URI: server.template,
        TENANCY_TABLE_NAME: MOCK_TABLE,
        TENANCY_SIMPLE_RESPONSES: 'true',
      });
      const handler = module.handler as (event: unknown) => Promise<PolicyResponse | SimpleResponse>;
      const event = (sub: string) => ({
        version: '2.0',
        type: 'REQUEST',
        routeArn: arn('GET/tenants/acme/me'),
        rawPath: '/tenants/acme/me',
        headers: { authorization: `Bearer ${signRs256(cognitoClaims({ sub, groups: ['tenant-admin'] }), key)}` },
        pathParameters: { tenantId: 'acme' },
      });

      // Act
      const demoted = await handler(event(ALICE));
      const removed = await handler(event('b0b00000-0000-4000-8000-000000000002'));

      // Assess
      expect(demoted).toEqual({ isAuthorized: true, context: expect.objectContaining({ groups: 'tenant-member' }) });
      expect(removed).toEqual({ isAuthorized: false });
    } finally {
      registry.restore();
    }
  });
});
