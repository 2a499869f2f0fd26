import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeBinding } from '../../shared/registry/binding';
import type { TenantAdmin } from '../../shared/registry/tenant-admin';
import { captureEmf, countedDecisions, METRICS_ON } from '../support/emf';
import { loadEvent } from '../support/events';
import { createTestRegistry, type TestRegistry } from '../support/registry';
import { importSeedTenants, loadTrigger, type TriggerEvent } from '../support/sign-up';

type Handler = (event: TriggerEvent, context?: never) => Promise<TriggerEvent>;
const loadPreSignUp = () => import('../../functions/pre-sign-up');
const event = (name: string) => loadEvent<TriggerEvent>(`pre-sign-up/${name}.json`);
const NOT_AUTO = { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false };

describe('pre sign-up trigger against DynamoDB Local', () => {
  let test: TestRegistry;
  let registry: TenantAdmin;
  let env: Record<string, string>;
  let handler: Handler;

  beforeAll(async () => {
    test = await createTestRegistry();
    registry = test.registry;
    // The seed holds hooli, the silo tenant bound to the pool us-east-1_HooliSilo.
    await importSeedTenants(test);
    env = { TENANCY_TABLE_NAME: test.tableName, AWS_ENDPOINT_URL_DYNAMODB: test.endpoint };
  });

  afterAll(() => {
    vi.unstubAllEnvs();
  });

  /** Audit items in the whole table: a refusal without a tenant must add none. */
  const auditItemCount = async () => {
    const result = await test.client.send(
      new ScanCommand({
        TableName: test.tableName,
        FilterExpression: 'begins_with(sk, :audit)',
        ExpressionAttributeValues: { ':audit': { S: 'AUDIT#' } },
        ConsistentRead: true,
      }),
    );
    return result.Count ?? 0;
  };

  beforeEach(async () => {
    handler = (await loadTrigger(loadPreSignUp, env)).module.handler;
  });

  it.each([
    ['an e-mail at a bound domain (checked, not yet trusted)', 'sign-up-domain'],
    ['a bridge app client', 'sign-up-client-binding'],
    ['a silo pool', 'sign-up-pool-binding'],
    ['a bound IdP, read from the federated user name', 'external-provider-idp'],
  ])('admits a sign-up placed by %s without auto-confirming or writing anything', async (_, name) => {
    // Prepare
    const before = await registry.listTenants();

    // Act
    const result = await handler(event(name));

    // Assess
    expect(result.response).toEqual(NOT_AUTO);
    expect(await registry.listTenants()).toEqual(before);
  });

  it('lets users created by an operator (AdminCreateUser) pass untouched', async () => {
    // Prepare
    const admin = event('admin-create-user');

    // Act
    const result = await handler(structuredClone(admin));

    // Assess
    expect(result).toEqual(admin);
  });

  it.each([
    ['a suspended tenant', 'refuse-suspended-tenant', 'Your organization is not active.'],
    ['an unbound e-mail domain', 'refuse-unbound-domain', 'Sign-up is not available for your account.'],
    ['an unbound IdP, whatever e-mail it asserts', 'refuse-external-unbound-idp', 'Sign-up is not available'],
  ])('refuses %s before the user exists', async (_, name, message) => {
    // Act
    const run = handler(event(name));

    // Assess
    await expect(run).rejects.toThrow(message);
  });

  /** A free-tier tenant (5 seats) bound to `<tenantId>.example` with every seat taken, and a sign-up for it. */
  async function fullTenantSignUp(tenantId: string): Promise<TriggerEvent> {
    await registry.createTenant({ tenantId, name: tenantId, tier: 'free' });
    await registry.bind(tenantId, makeBinding('domain', `${tenantId}.example`));
    for (let i = 0; i < 5; i++) {
      await registry.addMember({ tenantId, sub: `${tenantId}-${i}`, role: 'tenant-member', source: 'invite' });
    }
    const late = event('sign-up-domain');
    late.request.userAttributes.email = `late@${tenantId}.example`;
    return late;
  }

  it('refuses a shared-pool user whom the e-mail domain would place in a tenant pinned to another pool', async () => {
    // Prepare
    await registry.createTenant({ tenantId: 'pinned', name: 'pinned', tier: 'standard' });
    await registry.bind('pinned', makeBinding('domain', 'pinned.example'));
    await registry.bind('pinned', makeBinding('pool', 'us-east-1_PinnedSilo'));
    const signUp = event('sign-up-domain');
    signUp.request.userAttributes.email = 'eve@pinned.example';

    // Act
    const run = handler(signUp);

    // Assess
    await expect(run).rejects.toThrow('Sign-up is not available for your account.');
    expect((await registry.getTenant('pinned'))?.siloPools).toEqual(['us-east-1_PinnedSilo']);
  });

  it('refuses a sign-up into a tenant without a free seat', async () => {
    // Prepare
    const full = await fullTenantSignUp('tiny');

    // Act
    const run = handler(full);

    // Assess
    await expect(run).rejects.toThrow('Your organization has no free seats.');
  });

  it.each([
    ['an e-mail at a bound domain', 'sign-up-domain', 'admitted', 'domain-binding', 'standard'],
    ['a silo pool', 'sign-up-pool-binding', 'admitted', 'pool-binding', 'standard'],
    ['an operator-created user', 'admin-create-user', 'admitted', 'invitation', 'none'],
    ['a suspended tenant', 'refuse-suspended-tenant', 'refused', 'tenant-inactive', 'free'],
    ['an unbound e-mail domain', 'refuse-unbound-domain', 'refused', 'no-binding', 'none'],
  ])('counts %s as one Decisions metric with its outcome, reason and tier', async (_, name, outcome, reason, tier) => {
    // Prepare
    const counting = (await loadTrigger(loadPreSignUp, { ...env, ...METRICS_ON })).module.handler;

    // Act
    const documents = await captureEmf(() => counting(event(name)));

    // Assess
    expect(countedDecisions(documents)).toEqual([{ service: 'pre-sign-up', outcome, reason, tier, value: 1 }]);
  });

  it('writes nothing to the audit trail when it refuses a sign-up: addresses are not verified yet', async () => {
    // Prepare
    const full = await fullTenantSignUp('packed');
    const before = await auditItemCount();

    // Act
    const refused = await handler(full, { getRemainingTimeInMillis: () => 5_000 } as never).catch((error) => error);
    await handler(event('refuse-unbound-domain')).catch(() => undefined);

    // Assess
    expect(refused).toBeInstanceOf(Error);
    expect(await auditItemCount()).toBe(before);
  });

  it('refuses an unexpected trigger source', async () => {
    // Prepare
    const odd = event('sign-up-domain');
    odd.triggerSource = 'PreSignUp_Unknown';

    // Act
    const run = handler(odd);

    // Assess
    await expect(run).rejects.toThrow('The request could not be completed.');
  });

  it('stops at cold start on a misspelt setting', async () => {
    // Act
    const load = loadTrigger(loadPreSignUp, { ...env, TENANCY_SELF_SERVCE: 'true' });

    // Assess
    await expect(load).rejects.toThrow('TENANCY_SELF_SERVCE: unknown setting');
  });

  describe('with self-service, auto-confirm and auto-verify configured', () => {
    beforeEach(async () => {
      const loaded = await loadTrigger(loadPreSignUp, {
        ...env,
        TENANCY_SELF_SERVICE: 'true',
        TENANCY_AUTO_CONFIRM: 'true',
        TENANCY_AUTO_VERIFY_EMAIL: 'true',
      });
      handler = loaded.module.handler;
    });

    it('admits an unplaced user for a tenant of their own, auto-confirmed but with the address left to Cognito to verify', async () => {
      // Act
      const result = await handler(event('sign-up-self-service'));

      // Assess
      expect(result.response).toEqual({ autoConfirmUser: true, autoVerifyEmail: false, autoVerifyPhone: false });
    });

    it('auto-verifies the address of a federated sign-up through an identity provider bound to the tenant', async () => {
      // Act
      const result = await handler(event('external-provider-idp'));

      // Assess
      expect(result.response).toEqual({ autoConfirmUser: true, autoVerifyEmail: true, autoVerifyPhone: false });
    });

    it.each([
      ['a bridge app client', 'sign-up-client-binding'],
      ['a silo pool', 'sign-up-pool-binding'],
    ])('never auto-verifies a native sign-up placed by %s: nobody verified that address', async (_, name) => {
      // Act
      const result = await handler(event(name));

      // Assess
      expect(result.response).toEqual({ autoConfirmUser: true, autoVerifyEmail: false, autoVerifyPhone: false });
    });

    it('never auto-verifies or auto-confirms a user whom only the e-mail domain places', async () => {
      // Act
      const result = await handler(event('sign-up-domain'));

      // Assess
      expect(result.response).toEqual(NOT_AUTO);
    });

    it('still refuses a bound but suspended tenant instead of falling back to self-service', async () => {
      // Act
      const run = handler(event('refuse-suspended-tenant'));

      // Assess
      await expect(run).rejects.toThrow('Your organization is not active.');
    });
  });
});
