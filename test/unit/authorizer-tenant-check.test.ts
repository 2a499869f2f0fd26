import { afterAll, describe, expect, it, vi } from 'vitest';
import type { PolicyResponse, SimpleResponse } from '../../functions/authorizer';
import { policyEffect } from '../../shared/authorizer/authorization-policy';
import { Authorizer, type Decision } from '../../shared/authorizer/authorize';
import { authorizerConfigFromEnv } from '../../shared/authorizer/authorizer-config';
import { TenantStanding } from '../../shared/authorizer/tenant-standing';
import { createCognitoJwtVerifier, TokenVerifier } from '../../shared/authorizer/token-verifier';
import type { Binding } from '../../shared/registry/binding';
import type { Tenant, TenantStatus } from '../../shared/registry/tenant';
import type { Env } from '../../shared/runtime/settings';
import { coldStart } from '../support/cold-start';
import { useJwksServer } from '../support/jwks-server';
import {
  ARN_PREFIX,
  CLIENT_ID,
  type ClaimOptions,
  cognitoClaims,
  createSigningKey,
  OTHER_POOL_ID,
  POOL_ID,
  signRs256,
} from '../support/jwt';
import { MOCK_TABLE, mockRegistryReads } from '../support/registry-reads';

const arn = (resource: string) => `${ARN_PREFIX}${resource}`;
const THIRD_POOL_ID = 'us-east-1_SharedPool3';

/** An in-memory registry read path whose state tests change, with a switch that makes it fail. */
function memoryReads(statuses: Record<string, TenantStatus>, poolBindings: Record<string, string> = {}) {
  const state = { statuses, poolBindings, down: false, reads: 0 };
  const reads = {
    getTenant: async (tenantId: string): Promise<Tenant | undefined> => {
      state.reads++;
      if (state.down) throw new Error('registry unreachable');
      const status = state.statuses[tenantId];
      return status === undefined
        ? undefined
        : {
            tenantId,
            name: tenantId,
            tier: 'standard',
            status,
            seats: 1,
            roleMappings: {},
            siloPools: Object.keys(state.poolBindings).filter((pool) => state.poolBindings[pool] === tenantId),
            createdAt: '',
            updatedAt: '',
          };
    },
    resolveBinding: async (binding: Binding): Promise<string | undefined> => {
      state.reads++;
      if (state.down) throw new Error('registry unreachable');
      return binding.kind === 'pool' ? state.poolBindings[binding.userPoolId] : undefined;
    },
  };
  return { state, reads };
}

describe('authorizer tenant check (registry state now, not at issue time), with real tokens', () => {
  const poolKey = createSigningKey('tc-pool');
  const otherKey = createSigningKey('tc-other');
  const thirdKey = createSigningKey('tc-third');
  const server = useJwksServer({
    [POOL_ID]: [poolKey],
    [OTHER_POOL_ID]: [otherKey],
    [THIRD_POOL_ID]: [thirdKey],
  });
  let clock: number;

  function authorizerWith(reads: ReturnType<typeof memoryReads>['reads'], env: Env = {}) {
    clock = 1_000_000;
    const config = authorizerConfigFromEnv({
      TENANCY_USER_POOL_IDS: POOL_ID,
      TENANCY_CLIENT_IDS: CLIENT_ID,
      TENANCY_JWKS_URI: server.template,
      ...env,
    });
    const verifier = new TokenVerifier(createCognitoJwtVerifier(config), config.claimNames, 1000, config.roleGroups);
    const standing = new TenantStanding({
      reads,
      cacheTtlMs: config.cacheTtlMs,
      staleTtlMs: config.staleTtlMs,
      now: () => clock,
    });
    return new Authorizer({ verifier, routes: config.routes, tiers: config.tiers, standing });
  }

  const keyOf = (poolId: string) =>
    poolId === OTHER_POOL_ID ? otherKey : poolId === THIRD_POOL_ID ? thirdKey : poolKey;
  const bearer = (options: ClaimOptions = {}) =>
    `Bearer ${signRs256(cognitoClaims(options), keyOf(options.poolId ?? POOL_ID))}`;
  const ask = (authorizer: Authorizer, authorization: string, resource = 'GET/tenants/acme/me') =>
    authorizer.authorize({ authorization, methodArn: arn(resource) });
  const effectOf = (decision: Decision) => decision.effect;

  it('denies a token minted before its tenant was suspended, within the cache TTL, and the whole stage with it', async () => {
    // Prepare
    const { state, reads } = memoryReads({ acme: 'active' });
    const authorizer = authorizerWith(reads, { TENANCY_CACHE_TTL_SECONDS: '60' });
    const token = bearer();
    const before = await ask(authorizer, token);
    state.statuses.acme = 'suspended';
    const cached = await ask(authorizer, token);
    clock += 60_000;

    // Act
    const after = await ask(authorizer, token);

    // Assess
    expect([before, cached].map(effectOf)).toEqual(['Allow', 'Allow']);
    expect(after).toMatchObject({ effect: 'Deny', reason: 'tenant-inactive' });
    if (after.effect === 'Unauthorized') throw new Error('unreachable');
    expect(policyEffect(after.policy, arn('GET/health'))).toBe('Deny');
    expect(policyEffect(after.policy, arn('GET/tenants/acme/me'))).toBe('Deny');
  });

  it.each([
    ['disabled', 'tenant-inactive'],
    [undefined, 'tenant-not-found'],
  ] as const)('denies a caller whose tenant is %s', async (status, reason) => {
    // Prepare
    const { reads } = memoryReads(status === undefined ? {} : { acme: status });
    const authorizer = authorizerWith(reads);

    // Act
    const decision = await ask(authorizer, bearer());

    // Assess
    expect(decision).toMatchObject({ effect: 'Deny', reason });
  });

  it('answers 401 when the registry is down and nothing is cached, and serves a cached record while stale', async () => {
    // Prepare
    const { state, reads } = memoryReads({ acme: 'active', globex: 'active' });
    const authorizer = authorizerWith(reads, { TENANCY_CACHE_TTL_SECONDS: '60', TENANCY_STALE_TTL_SECONDS: '600' });
    await ask(authorizer, bearer());
    state.down = true;
    clock += 120_000;

    // Act
    const stale = await ask(authorizer, bearer());
    const uncached = await ask(authorizer, bearer({ tenantId: 'globex' }), 'GET/tenants/globex/me');
    clock += 600_000;
    const expired = await ask(authorizer, bearer());

    // Assess
    expect(stale).toMatchObject({ effect: 'Allow' });
    expect(uncached).toEqual({ effect: 'Unauthorized', reason: 'registry-unavailable' });
    expect(expired).toEqual({ effect: 'Unauthorized', reason: 'registry-unavailable' });
  });

  it('reads a cached tenant once per TTL, however many requests', async () => {
    // Prepare
    const { state, reads } = memoryReads({ acme: 'active' });
    const authorizer = authorizerWith(reads);
    const token = bearer();

    // Act
    for (let i = 0; i < 20; i++) await ask(authorizer, token);

    // Assess
    expect(state.reads).toBe(2);
  });

  describe('pool pinning (several pools: silo model)', () => {
    const pools = { TENANCY_USER_POOL_IDS: `${POOL_ID},${OTHER_POOL_ID},${THIRD_POOL_ID}` };
    // acme is bound to POOL_ID, globex to OTHER_POOL_ID; THIRD_POOL_ID is shared (no binding), initech has no pool.
    const bindings = { [POOL_ID]: 'acme', [OTHER_POOL_ID]: 'globex' };
    const statuses = { acme: 'active', globex: 'active', initech: 'active' } as const;

    it.each([
      ['its own silo pool', 'acme', POOL_ID, 'Allow'],
      ["another tenant's silo pool", 'acme', OTHER_POOL_ID, 'Deny'],
      ['a shared pool, for a tenant bound to a silo pool', 'acme', THIRD_POOL_ID, 'Deny'],
      ['a silo pool, for a tenant bound to no pool', 'initech', OTHER_POOL_ID, 'Deny'],
      ['a shared pool, for a tenant bound to no pool', 'initech', THIRD_POOL_ID, 'Allow'],
    ])('decides a token from %s', async (_, tenantId, poolId, effect) => {
      // Prepare
      const { reads } = memoryReads({ ...statuses }, bindings);
      const authorizer = authorizerWith(reads, pools);

      // Act
      const decision = await ask(authorizer, bearer({ tenantId, poolId }), `GET/tenants/${tenantId}/me`);

      // Assess
      expect(decision.effect).toBe(effect);
      if (effect === 'Deny') expect(decision).toMatchObject({ reason: 'pool-mismatch' });
    });

    it('decides from cached records only once they are loaded (one read per pool and tenant)', async () => {
      // Prepare
      const { state, reads } = memoryReads({ ...statuses }, bindings);
      const authorizer = authorizerWith(reads, pools);
      const token = bearer({ tenantId: 'acme', poolId: OTHER_POOL_ID });

      // Act
      const decisions = [await ask(authorizer, token), await ask(authorizer, token)];

      // Assess
      expect(decisions.map(effectOf)).toEqual(['Deny', 'Deny']);
      expect(state.reads).toBe(2);
    });
  });

  describe('pool pinning with one configured pool', () => {
    it.each([
      ['a tenant bound to another pool', { globex: 'active' }, { [OTHER_POOL_ID]: 'globex' }, 'globex', 'Deny'],
      [
        'a tenant while its pool is bound to another tenant',
        { acme: 'active' },
        { [POOL_ID]: 'globex' },
        'acme',
        'Deny',
      ],
      ['a tenant bound to this pool', { acme: 'active' }, { [POOL_ID]: 'acme' }, 'acme', 'Allow'],
      ['a tenant bound to no pool', { acme: 'active' }, {}, 'acme', 'Allow'],
    ] as const)('decides a token of the one pool for %s', async (_, statuses, bindings, tenantId, effect) => {
      // Prepare
      const { reads } = memoryReads({ ...statuses }, { ...bindings });
      const authorizer = authorizerWith(reads);

      // Act
      const decision = await ask(authorizer, bearer({ tenantId }), `GET/tenants/${tenantId}/me`);

      // Assess
      expect(decision.effect).toBe(effect);
      if (effect === 'Deny') expect(decision).toMatchObject({ reason: 'pool-mismatch' });
    });
  });

  describe('groups the backend sees', () => {
    it('passes only configured role groups, and never a group whose name holds a comma', async () => {
      // Prepare
      const { reads } = memoryReads({ acme: 'active' });
      const authorizer = authorizerWith(reads);
      const token = bearer({ groups: ['tenant-member', 'tenant-admin,platform-admin', 'platform-admin', 'x'] });

      // Act
      const decision = await ask(authorizer, token, 'GET/tenants/acme/admin/users');

      // Assess
      expect(decision).toMatchObject({ effect: 'Deny', reason: 'group-required' });
      if (decision.effect === 'Unauthorized') throw new Error('unreachable');
      expect(decision.context.groups).toBe('tenant-member');
      expect(decision.caller.groups).toEqual(['tenant-member']);
    });

    it('refuses at cold start a route rule that requires a group no token can carry', () => {
      // Act
      const load = () =>
        authorizerConfigFromEnv({
          TENANCY_USER_POOL_IDS: POOL_ID,
          TENANCY_CLIENT_IDS: CLIENT_ID,
          TENANCY_ROUTES: JSON.stringify({ routes: [{ route: 'GET /ops', groups: ['platform-admin'] }] }),
        });

      // Assess
      expect(load).toThrow('route "GET /ops" requires platform-admin, not a role group (tenant-admin, tenant-member)');
    });
  });
});

describe('authorizer handler tenant check through DynamoDB GetItem', () => {
  const key = createSigningKey('tc-handler');
  const server = useJwksServer({ [POOL_ID]: [key] });

  afterAll(() => {
    vi.unstubAllEnvs();
  });

  async function handlerWith(env: Record<string, string> = {}) {
    const module = await coldStart(() => import('../../functions/authorizer'), {
      TENANCY_USER_POOL_IDS: POOL_ID,
      TENANCY_CLIENT_IDS: CLIENT_ID,
      TENANCY_JWKS_URI: server.template,
      TENANCY_TABLE_NAME: MOCK_TABLE,
      TENANCY_SIMPLE_RESPONSES: 'true',
      ...env,
    });
    return module.handler as (event: unknown) => Promise<PolicyResponse | SimpleResponse>;
  }

  const httpEvent = (authorization: string) => ({
    version: '2.0',
    type: 'REQUEST',
    routeArn: arn('GET/tenants/acme/me'),
    rawPath: '/tenants/acme/me',
    headers: { authorization },
    pathParameters: { tenantId: 'acme' },
  });

  it('denies (403) a suspended tenant and answers 401 when the registry is unreachable', async () => {
    // Prepare
    const registry = mockRegistryReads({ tenants: { acme: 'suspended' } });
    try {
      const handler = await handlerWith();
      const token = `Bearer ${signRs256(cognitoClaims(), key)}`;
      const suspended = await handler(httpEvent(token));
      registry.state.down = true;
      const fresh = await handlerWith();

      // Act
      const unreachable = fresh(httpEvent(token));

      // Assess
      expect(suspended).toEqual({ isAuthorized: false });
      await expect(unreachable).rejects.toThrow(/^Unauthorized$/);
    } finally {
      registry.restore();
    }
  });

  it('refuses at cold start a configuration that turns the check, and with it pool pinning, off', () => {
    // Act
    const act = () =>
      authorizerConfigFromEnv({
        TENANCY_USER_POOL_IDS: POOL_ID,
        TENANCY_CLIENT_IDS: CLIENT_ID,
        TENANCY_API_TENANT_CHECK: 'false',
      });

    // Assess
    expect(act).toThrow(/TENANCY_API_TENANT_CHECK: may not be false/);
  });
});
