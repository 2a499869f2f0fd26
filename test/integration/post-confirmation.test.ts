import { randomUUID } from 'node:crypto';
import { AdminCreateUserCommand, type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { type CognitoLocal, localCognitoClient, startCognitoLocal } from '../../local/cognito-local';
import { selfServiceTenantId } from '../../shared/assignment/self-service-tenant';
import { makeBinding } from '../../shared/registry/binding';
import type { TenantAdmin } from '../../shared/registry/tenant-admin';
import { captureEmf, countedDecisions, METRICS_ON } from '../support/emf';
import { createTestRegistry, type TestRegistry } from '../support/registry';
import {
  createPoolUser,
  eventFor,
  importSeedTenants,
  loadTrigger,
  type PoolUser,
  poolState,
  type TriggerEvent,
} from '../support/sign-up';

type Handler = (event: TriggerEvent, context?: never) => Promise<TriggerEvent>;
const loadPostConfirmation = () => import('../../functions/post-confirmation');

describe('post confirmation trigger against DynamoDB Local and cognito-local', () => {
  let cognito: CognitoLocal;
  let client: CognitoIdentityProviderClient;
  let test: TestRegistry;
  let registry: TenantAdmin;
  let env: Record<string, string>;
  let handler: Handler;
  let warn: MockInstance;

  beforeAll(async () => {
    cognito = await startCognitoLocal({ clientIds: ['globexbridgeclient0000000'] });
    client = localCognitoClient(cognito.endpoint);
    test = await createTestRegistry();
    registry = test.registry;
    await importSeedTenants(test);
    env = {
      TENANCY_TABLE_NAME: test.tableName,
      AWS_ENDPOINT_URL_DYNAMODB: test.endpoint,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
    };
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    client?.destroy();
    await cognito?.stop();
  });

  beforeEach(async () => {
    const loaded = await loadTrigger(loadPostConfirmation, env);
    handler = loaded.module.handler;
    warn = vi.spyOn(loaded.logger, 'warn').mockImplementation(() => undefined);
  });

  const user = (domain: string, attributes?: Record<string, string>) =>
    createPoolUser(client, cognito.userPoolId, domain, attributes);
  const state = (u: PoolUser) => poolState(client, cognito.userPoolId, u.username);
  const membersOf = async (tenantId: string, u: PoolUser) =>
    (await registry.listMembers(tenantId)).filter((member) => member.sub === u.sub);

  it('joins a user with a verified e-mail at a bound domain: membership, seat, custom:tenantId and group', async () => {
    // Prepare
    const jane = await user('acme.example');
    const seatsBefore = (await registry.requireTenant('acme')).seats;

    // Act
    await handler(eventFor('post-confirmation/domain-join.json', jane));

    // Assess
    expect(await state(jane)).toEqual({ tenantId: 'acme', groups: ['tenant-member'] });
    expect(await membersOf('acme', jane)).toEqual([
      expect.objectContaining({ source: 'domain', role: 'tenant-member' }),
    ]);
    expect((await registry.requireTenant('acme')).seats).toBe(seatsBefore + 1);
    expect(await registry.getUserTenantId(jane.sub)).toBe('acme');
  });

  it('converges to one membership and one seat when Cognito delivers the same event twice', async () => {
    // Prepare
    const jane = await user('acme.example');
    const event = eventFor('post-confirmation/domain-join.json', jane);
    const seatsBefore = (await registry.requireTenant('acme')).seats;

    // Act
    await handler(structuredClone(event));
    await handler(structuredClone(event));

    // Assess
    expect(await membersOf('acme', jane)).toHaveLength(1);
    expect((await registry.requireTenant('acme')).seats).toBe(seatsBefore + 1);
    expect(await state(jane)).toEqual({ tenantId: 'acme', groups: ['tenant-member'] });
  });

  it('fails with a retryable, user-safe error when Lambda leaves too little time, and the retry converges', async () => {
    // Prepare: 260 ms left leaves a 10 ms budget after the safety margin
    const jane = await user('acme.example');
    const event = eventFor('post-confirmation/domain-join.json', jane);
    const short = { getRemainingTimeInMillis: () => 260 };

    // Act
    const first = handler(structuredClone(event), short as never);
    await expect(first).rejects.toThrow('The service is temporarily unavailable. Please try again.');
    await handler(structuredClone(event));

    // Assess
    expect(await state(jane)).toEqual({ tenantId: 'acme', groups: ['tenant-member'] });
    expect(await membersOf('acme', jane)).toHaveLength(1);
  });

  it('finishes the Cognito steps of a run that recorded the membership and then failed', async () => {
    // Prepare: the registry step of an earlier run succeeded; Cognito never heard of it
    const jane = await user('acme.example');
    await registry.addMember({ tenantId: 'acme', sub: jane.sub, role: 'tenant-member', source: 'domain' });
    const event = eventFor('post-confirmation/already-assigned.json', jane);
    delete event.request.userAttributes['custom:tenantId'];
    const seatsBefore = (await registry.requireTenant('acme')).seats;

    // Act
    await handler(event);

    // Assess
    expect(await state(jane)).toEqual({ tenantId: 'acme', groups: ['tenant-member'] });
    expect((await registry.requireTenant('acme')).seats).toBe(seatsBefore);
    expect(await membersOf('acme', jane)).toHaveLength(1);
  });

  it('never reassigns a user who has a membership, whatever the bindings now say', async () => {
    // Prepare: an acme address, but the user already belongs to globex
    const jane = await user('acme.example');
    await registry.addMember({ tenantId: 'globex', sub: jane.sub, role: 'tenant-admin', source: 'invite' });

    // Act
    await handler(eventFor('post-confirmation/domain-join.json', jane));

    // Assess
    expect(await state(jane)).toEqual({ tenantId: 'globex', groups: ['tenant-admin'] });
    expect(await membersOf('acme', jane)).toEqual([]);
  });

  it('overwrites a custom:tenantId that no membership backs and warns about the likely misconfiguration', async () => {
    // Prepare: something other than this suite wrote globex onto an acme user
    const mallory = await user('acme.example', { 'custom:tenantId': 'globex' });

    // Act
    await handler(eventFor('post-confirmation/unbacked-tenant-attribute.json', mallory));

    // Assess
    expect(await state(mallory)).toEqual({ tenantId: 'acme', groups: ['tenant-member'] });
    expect(await membersOf('globex', mallory)).toEqual([]);
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('not written by this suite'),
      expect.objectContaining({ unbackedTenantId: 'globex', tenantId: 'acme', likelyCause: expect.any(String) }),
    );
  });

  it('joins a federated user by the IdP binding of the provider in identities', async () => {
    // Prepare: cognito-local cannot federate (and wants e-mail user names); a user named with the prefix Cognito gives
    // AcmeSAML's users stands in for one
    const username = `AcmeSAML_${randomUUID().slice(0, 8)}@acme.example`;
    const created = await client.send(
      new AdminCreateUserCommand({ UserPoolId: cognito.userPoolId, Username: username, MessageAction: 'SUPPRESS' }),
    );
    const sub = created.User?.Attributes?.find((attribute) => attribute.Name === 'sub')?.Value ?? '';
    // cognito-local keeps its own user name (the name given is an alias), which group listings go by.
    const federated = { username: created.User?.Username ?? '', sub, email: 'jdoe@acme.example' };
    const event = eventFor('post-confirmation/idp-join.json', federated);
    event.userName = username;

    // Act
    await handler(event);

    // Assess
    expect(await state(federated)).toEqual({ tenantId: 'acme', groups: ['tenant-member'] });
    expect(await membersOf('acme', federated)).toEqual([expect.objectContaining({ source: 'idp' })]);
  });

  it('refuses a federated user whose identities name a bound provider its user name does not carry', async () => {
    // Prepare: the user name says EvilOIDC-like (no AcmeSAML_ prefix), identities claim AcmeSAML
    const impostor = await user('acme.example');
    const event = eventFor('post-confirmation/idp-join.json', impostor);

    // Act
    const run = handler(event);

    // Assess
    await expect(run).rejects.toThrow('Sign-up is not available');
    expect(await state(impostor)).toEqual({ tenantId: undefined, groups: [] });
  });

  it('joins a user signing up through a bridge app client by the client binding', async () => {
    // Prepare
    const hank = await user('mail.example');

    // Act
    await handler(eventFor('post-confirmation/client-binding.json', hank));

    // Assess
    expect(await state(hank)).toEqual({ tenantId: 'globex', groups: ['tenant-member'] });
    expect(await membersOf('globex', hank)).toEqual([expect.objectContaining({ source: 'client' })]);
  });

  it('joins every user of a silo pool by the pool binding', async () => {
    // Prepare
    await registry.createTenant({ tenantId: 'tenancy1-silo', name: 'Silo', tier: 'standard' });
    await registry.bind('tenancy1-silo', makeBinding('pool', cognito.userPoolId));
    const gavin = await user('mail.example');

    // Act
    await handler(eventFor('post-confirmation/pool-binding.json', gavin, cognito.userPoolId));
    await registry.unbind('tenancy1-silo', makeBinding('pool', cognito.userPoolId));

    // Assess
    expect(await state(gavin)).toEqual({ tenantId: 'tenancy1-silo', groups: ['tenant-member'] });
    expect(await membersOf('tenancy1-silo', gavin)).toEqual([expect.objectContaining({ source: 'pool' })]);
  });

  it('changes nothing on a confirmed password reset', async () => {
    // Prepare
    const jane = await user('acme.example');

    // Act
    const result = await handler(eventFor('post-confirmation/forgot-password.json', jane));

    // Assess
    expect(result.response).toEqual({});
    expect(await state(jane)).toEqual({ tenantId: undefined, groups: [] });
    expect(await registry.getUserTenantId(jane.sub)).toBeUndefined();
  });

  it.each([
    ['a join by e-mail domain', 'domain-join', 'acme.example', 'assigned', 'domain-binding'],
    ['an unverified e-mail', 'refuse-unverified-email', 'acme.example', 'refused', 'email-unverified'],
    ['a suspended tenant', 'refuse-suspended-tenant', 'initech.example', 'refused', 'tenant-inactive'],
  ])('counts %s as one Decisions metric with its outcome and reason', async (_, name, domain, outcome, reason) => {
    // Prepare
    const someone = await user(domain);
    const counting = (await loadTrigger(loadPostConfirmation, { ...env, ...METRICS_ON })).module.handler;

    // Act
    const documents = await captureEmf(() => counting(eventFor(`post-confirmation/${name}.json`, someone)));

    // Assess
    expect(countedDecisions(documents)).toEqual([
      { service: 'post-confirmation', outcome, reason, tier: expect.any(String), value: 1 },
    ]);
  });

  it('records the assignment in the tenant audit trail with the trigger, the reason and the request id', async () => {
    // Prepare
    const joiner = await user('acme.example');
    const context = { getRemainingTimeInMillis: () => 5_000, awsRequestId: 'req-assign-1' } as never;

    // Act
    await handler(eventFor('post-confirmation/domain-join.json', joiner), context);

    // Assess
    const { entries } = await registry.listAudit('acme', { sub: joiner.sub });
    expect(entries).toEqual([
      expect.objectContaining({
        action: 'member-assigned',
        reason: 'domain-binding',
        actor: 'trigger:post-confirmation',
        requestId: 'req-assign-1',
        sub: joiner.sub,
      }),
    ]);
  });

  it('records a sign-up refused by an inactive tenant in that tenant audit trail', async () => {
    // Prepare
    const refused = await user('initech.example');

    // Act
    await handler(eventFor('post-confirmation/refuse-suspended-tenant.json', refused)).catch(() => undefined);

    // Assess
    const { entries } = await registry.listAudit('initech', { sub: refused.sub });
    expect(entries).toEqual([
      expect.objectContaining({
        action: 'sign-up-refused',
        reason: 'tenant-inactive',
        actor: 'trigger:post-confirmation',
      }),
    ]);
  });

  describe('refusals leave nothing half-written', () => {
    it.each([
      ['a suspended tenant', 'refuse-suspended-tenant', 'initech.example', 'Your organization is not active.'],
      ['an unverified e-mail', 'refuse-unverified-email', 'acme.example', 'Sign-up is not available'],
      ['an unbound domain', 'refuse-unbound-domain', 'unknown.example', 'Sign-up is not available'],
      ['an IdP-asserted e-mail domain', 'refuse-federated-email-domain', 'acme.example', 'Sign-up is not available'],
    ])('refuses %s with a user-safe message', async (_, name, domain, message) => {
      // Prepare
      const refused = await user(domain);

      // Act
      const run = handler(eventFor(`post-confirmation/${name}.json`, refused));

      // Assess
      await expect(run).rejects.toThrow(message);
      expect(await registry.getUserTenantId(refused.sub)).toBeUndefined();
      expect(await state(refused)).toEqual({ tenantId: undefined, groups: [] });
    });

    it('refuses a user when the tenant has no free seat', async () => {
      // Prepare: a free-tier tenant (5 seats) that is full
      await registry.createTenant({ tenantId: 'full-co', name: 'Full', tier: 'free' });
      await registry.bind('full-co', makeBinding('domain', 'full.example'));
      for (let i = 0; i < 5; i++) {
        await registry.addMember({ tenantId: 'full-co', sub: `seat-${i}`, role: 'tenant-member', source: 'invite' });
      }
      const late = await user('full.example');

      // Act
      const run = handler(eventFor('post-confirmation/domain-join.json', late));

      // Assess
      await expect(run).rejects.toThrow('Your organization has no free seats.');
      expect((await registry.requireTenant('full-co')).seats).toBe(5);
      expect(await state(late)).toEqual({ tenantId: undefined, groups: [] });
    });

    it('refuses a malformed event without touching anything', async () => {
      // Prepare
      const event = { triggerSource: 'PostConfirmation_ConfirmSignUp', userPoolId: cognito.userPoolId } as never;

      // Act
      const run = handler(event);

      // Assess
      await expect(run).rejects.toThrow('The request could not be completed.');
    });
  });

  describe('self-service sign-up', () => {
    beforeEach(async () => {
      const loaded = await loadTrigger(loadPostConfirmation, {
        ...env,
        TENANCY_SELF_SERVICE: 'true',
        TENANCY_SELF_SERVICE_TIER: 'free',
      });
      handler = loaded.module.handler;
    });

    it('creates a tenant of the configured tier with the user as its tenant-admin, once across retries', async () => {
      // Prepare
      const founder = await user('startup.example');
      const event = eventFor('post-confirmation/self-service.json', founder);
      const tenantId = selfServiceTenantId(cognito.userPoolId, founder.sub);

      // Act
      await handler(structuredClone(event));
      await handler(structuredClone(event));

      // Assess
      expect(await registry.requireTenant(tenantId)).toMatchObject({ tier: 'free', status: 'active', seats: 1 });
      expect(await registry.listMembers(tenantId)).toEqual([
        expect.objectContaining({ sub: founder.sub, role: 'tenant-admin', source: 'self-service' }),
      ]);
      expect(await state(founder)).toEqual({ tenantId, groups: ['tenant-admin'] });
    });

    it('finishes a run that created the tenant but crashed before the membership', async () => {
      // Prepare
      const founder = await user('startup.example');
      const tenantId = selfServiceTenantId(cognito.userPoolId, founder.sub);
      await registry.createTenant({ tenantId, name: 'Half done', tier: 'free' });

      // Act
      await handler(eventFor('post-confirmation/self-service.json', founder));

      // Assess
      expect((await registry.listMembers(tenantId)).map((member) => member.sub)).toEqual([founder.sub]);
      expect(await state(founder)).toEqual({ tenantId, groups: ['tenant-admin'] });
    });

    it('still prefers a binding over self-service', async () => {
      // Prepare
      const jane = await user('acme.example');

      // Act
      await handler(eventFor('post-confirmation/domain-join.json', jane));

      // Assess
      expect(await state(jane)).toEqual({ tenantId: 'acme', groups: ['tenant-member'] });
    });
  });
});
