import { describe, expect, it, vi } from 'vitest';
import { createDecider } from '../../shared/cedar/decide';
import { deciderFromEnv } from '../../shared/cedar/decider-from-env';
import { loadCedar } from '../../shared/cedar/engines/cedar-module';
import { EmbeddedEngine } from '../../shared/cedar/engines/embedded-engine';
import { policyConfigFromEnv } from '../../shared/cedar/policy-config';
import { DecisionMetrics } from '../../shared/runtime/decision-metrics';
import { ConfigurationError, PolicyEngineError, PolicyStoreNotFoundError } from '../../shared/runtime/errors';
import { caller, onDocument, repositoryPolicySet, share } from '../support/policies';
import { MemoryPolicyStores } from '../support/policy-stores';

const embeddedDecider = (stores: MemoryPolicyStores, cacheTtlMs = 60_000) =>
  createDecider({
    config: { engine: 'embedded', cacheTtlMs },
    stores,
    links: stores,
    embedded: async () => new EmbeddedEngine(),
  });

describe('decide on the embedded engine', () => {
  it('counts each decision as a Decisions metric: permitted, denied for want of a permit, failed without a store', async () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const lines: string[] = [];
    const metrics = new DecisionMetrics({ service: 'documents', tiers: [], write: (line) => lines.push(line) });
    vi.unstubAllEnvs();
    const stores = new MemoryPolicyStores().addTenant('acme');
    stores.link('acme', share('bob', 'doc-1'));
    const decider = createDecider({
      config: { engine: 'embedded', cacheTtlMs: 60_000 },
      stores,
      links: stores,
      embedded: async () => new EmbeddedEngine(),
      metrics,
    });
    const bob = caller('acme', 'bob', 'tenant-member');

    // Act
    await decider.decide(onDocument(bob, 'ReadDocument', { id: 'doc-1', tenantId: 'acme', ownerSub: 'alice' }));
    await decider.decide(onDocument(bob, 'DeleteDocument', { id: 'doc-1', tenantId: 'acme', ownerSub: 'alice' }));
    await decider
      .decide(
        onDocument(caller('globex', 'gina', 'tenant-admin'), 'ReadDocument', {
          id: 'd',
          tenantId: 'globex',
          ownerSub: 'gina',
        }),
      )
      .catch(() => undefined);

    // Assess
    const counted = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(counted.map(({ outcome, reason, Decisions }) => ({ outcome, reason, Decisions }))).toEqual([
      { outcome: 'allowed', reason: 'policy-permit', Decisions: 1 },
      { outcome: 'denied', reason: 'no-policy-permits', Decisions: 1 },
      { outcome: 'failed', reason: 'policy-store-missing', Decisions: 1 },
    ]);
  });

  it('never lets a share in one tenant grant anything in another, even for the same document id', async () => {
    // Prepare: both tenants hold a doc-1; acme shares its doc-1 with bob.
    const stores = new MemoryPolicyStores().addTenant('acme').addTenant('globex');
    stores.link('acme', share('bob', 'doc-1'));
    const decider = embeddedDecider(stores);
    const bob = caller('acme', 'bob', 'tenant-member');
    const globexDoc = { id: 'doc-1', tenantId: 'globex', ownerSub: 'gina' };

    // Act
    const own = await decider.decide(
      onDocument(bob, 'ReadDocument', { id: 'doc-1', tenantId: 'acme', ownerSub: 'alice' }),
    );
    const other = await decider.decide(onDocument(bob, 'ReadDocument', globexDoc));
    const asGlobex = await decider.decide(
      onDocument(caller('globex', 'bob', 'tenant-admin'), 'ReadDocument', {
        id: 'doc-1',
        tenantId: 'acme',
        ownerSub: 'alice',
      }),
    );

    // Assess
    expect(own.decision).toBe('allow');
    expect(other.decision).toBe('deny');
    expect(asGlobex.decision).toBe('deny');
  });

  it('decides on the caller tenant store only: a globex caller is never evaluated against acme policies', async () => {
    // Prepare: only acme has a store.
    const stores = new MemoryPolicyStores().addTenant('acme');
    const decider = embeddedDecider(stores);

    // Act
    const attempt = decider.decide(
      onDocument(caller('globex', 'gina', 'tenant-admin'), 'ReadDocument', {
        id: 'd',
        tenantId: 'acme',
        ownerSub: 'gina',
      }),
    );

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(PolicyStoreNotFoundError);
  });

  it('sees a new share once the record is re-read: at once after forget(), else after the cache time', async () => {
    // Prepare
    const stores = new MemoryPolicyStores().addTenant('acme');
    const decider = embeddedDecider(stores);
    const read = onDocument(caller('acme', 'bob', 'tenant-member'), 'ReadDocument', {
      id: 'doc-1',
      tenantId: 'acme',
      ownerSub: 'alice',
    });
    const before = await decider.decide(read);
    stores.link('acme', share('bob', 'doc-1'));

    // Act
    const cached = await decider.decide(read);
    decider.forget('acme');
    const after = await decider.decide(read);

    // Assess
    expect([before.decision, cached.decision, after.decision]).toEqual(['deny', 'deny', 'allow']);
    expect(after.determiningPolicies).toEqual([`share-${share('bob', 'doc-1').linkId}`]);
  });

  it('reads the record once per cache time and parses the policy set once per version', async () => {
    // Prepare
    const stores = new MemoryPolicyStores().addTenant('acme');
    const engine = new EmbeddedEngine();
    const prepare = vi.spyOn(engine, 'prepare');
    const decider = createDecider({
      config: { engine: 'embedded', cacheTtlMs: 60_000 },
      stores,
      links: stores,
      embedded: async () => engine,
    });
    const request = onDocument(caller('acme', 'alice'), 'UpdateDocument', {
      id: 'd',
      tenantId: 'acme',
      ownerSub: 'alice',
    });

    // Act
    for (let i = 0; i < 20; i++) await decider.decide(request);

    // Assess
    expect(stores.reads).toBe(1);
    expect(prepare).toHaveBeenCalledTimes(1);
  });

  it('fails closed with PolicyEngineError when the tenant policy set does not parse', async () => {
    // Prepare
    const stores = new MemoryPolicyStores().addTenant('acme');
    const record = stores.records.get('acme');
    if (record === undefined) throw new Error('no record');
    stores.records.set('acme', { ...record, policies: { broken: 'permit (principal, action, resource' } });
    const decider = embeddedDecider(stores);

    // Act
    const attempt = decider.decide(
      onDocument(caller('acme', 'alice'), 'ReadDocument', { id: 'd', tenantId: 'acme', ownerSub: 'alice' }),
    );

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(PolicyEngineError);
  });

  it('fails closed when extra entities try to redefine the caller (another tenant, more groups)', async () => {
    // Prepare
    const decider = embeddedDecider(new MemoryPolicyStores().addTenant('acme'));
    const request = {
      ...onDocument(caller('acme', 'bob', 'tenant-member'), 'DeleteDocument', {
        id: 'd',
        tenantId: 'acme',
        ownerSub: 'alice',
      }),
      entities: [
        {
          uid: { type: 'Tenancy::User', id: 'bob' },
          attrs: { tenant: { __entity: { type: 'Tenancy::Tenant', id: 'acme' } } },
          parents: [{ type: 'Tenancy::Role', id: 'tenant-admin' }],
        },
      ],
    };

    // Act
    const attempt = decider.decide(request);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(PolicyEngineError);
  });
});

describe('templates removed from the repository', () => {
  it('revoke their shares instead of breaking every decision of the tenant', async () => {
    // Prepare: bob holds a share; then the share template is removed from the tenant set.
    const stores = new MemoryPolicyStores().addTenant('acme');
    stores.link('acme', share('bob', 'doc-1'));
    const record = stores.records.get('acme');
    if (record === undefined) throw new Error('no record');
    stores.records.set('acme', { ...record, templates: {}, version: 2 });
    const decider = embeddedDecider(stores);
    const doc = { id: 'doc-1', tenantId: 'acme', ownerSub: 'alice' };

    // Act
    const bob = await decider.decide(onDocument(caller('acme', 'bob'), 'ReadDocument', doc));
    const alice = await decider.decide(onDocument(caller('acme', 'alice'), 'ReadDocument', doc));

    // Assess
    expect([bob.decision, alice.decision]).toEqual(['deny', 'allow']);
  });
});

describe('EmbeddedEngine', () => {
  it('refuses to decide for a tenant whose set was never prepared', async () => {
    // Prepare
    const engine = new EmbeddedEngine();
    await engine.prepare('acme', repositoryPolicySet());
    const request = {
      principal: { type: 'Tenancy::User', id: 'a' },
      action: { type: 'Tenancy::Action', id: 'ReadDocument' },
      resource: { type: 'Tenancy::Document', id: 'd' },
      context: {},
      entities: [],
    };

    // Act + Assess
    expect(() => engine.decide('globex', request)).toThrow(PolicyEngineError);
    expect(() => new EmbeddedEngine().decide('acme', request)).toThrow(PolicyEngineError);
  });

  it('keeps at most maxTenants parsed sets, dropping the oldest and emptying it in cedar-wasm', async () => {
    // Prepare
    const cedar = await loadCedar();
    const engine = new EmbeddedEngine({ maxTenants: 2, load: async () => cedar });

    // Act
    await engine.prepare('t-one', repositoryPolicySet());
    await engine.prepare('t-two', repositoryPolicySet());
    await engine.prepare('t-three', repositoryPolicySet());
    const emptied = cedar.statefulIsAuthorized({
      principal: { type: 'Tenancy::User', id: 'a' },
      action: { type: 'Tenancy::Action', id: 'CreateDocument' },
      resource: { type: 'Tenancy::Tenant', id: 't-one' },
      context: {},
      entities: [
        {
          uid: { type: 'Tenancy::User', id: 'a' },
          attrs: { tenant: { __entity: { type: 'Tenancy::Tenant', id: 't-one' } } },
          parents: [],
        },
      ],
      preparsedPolicySetId: 't-one',
    });

    // Assess
    expect([
      engine.isPrepared('t-one', '1'),
      engine.isPrepared('t-two', '1'),
      engine.isPrepared('t-three', '1'),
    ]).toEqual([false, true, true]);
    expect(emptied.type === 'success' && emptied.response.decision).toBe('deny');
  });
});

describe('policyConfigFromEnv', () => {
  it('defaults to the embedded engine with a 5 s record cache', () => {
    expect(policyConfigFromEnv({})).toEqual({ engine: 'embedded', cacheTtlMs: 5000 });
    expect(policyConfigFromEnv({ TENANCY_POLICY_ENGINE: 'avp', TENANCY_POLICY_CACHE_SECONDS: '0' })).toEqual({
      engine: 'avp',
      cacheTtlMs: 0,
    });
  });

  it('rejects an unknown engine and an out-of-range cache time', () => {
    expect(() => policyConfigFromEnv({ TENANCY_POLICY_ENGINE: 'opa' })).toThrow(ConfigurationError);
    expect(() => policyConfigFromEnv({ TENANCY_POLICY_CACHE_SECONDS: '301' })).toThrow(ConfigurationError);
  });
});

describe('deciderFromEnv', () => {
  it('uses the policy configuration it is given instead of reading the environment again', async () => {
    // Prepare
    const env = { TENANCY_POLICY_ENGINE: 'not-an-engine' };
    const stores = new MemoryPolicyStores();

    // Act
    const decider = deciderFromEnv(env, { config: { engine: 'embedded', cacheTtlMs: 0 }, stores, links: stores });
    const decision = decider.decide(
      onDocument(caller('acme', 'bob'), 'ReadDocument', { id: 'd', tenantId: 'acme', ownerSub: 'bob' }),
    );

    // Assess
    await expect(decision).rejects.toBeInstanceOf(PolicyStoreNotFoundError);
    expect(() => deciderFromEnv(env, { stores })).toThrow(ConfigurationError);
  });
});
