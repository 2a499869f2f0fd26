import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { localDynamoDBClient } from '../../local/dynamodb-local';
import type { AuditSettings } from '../../shared/registry/audit-trail';
import { makeBinding } from '../../shared/registry/binding';
import { TenantAdmin } from '../../shared/registry/tenant-admin';
import { DEFAULT_TIERS } from '../../shared/registry/tiers';
import { createTestRegistry, type TestRegistry } from '../support/registry';

const OPERATOR: AuditSettings = { actor: 'operator:test', retentionDays: 30, requestId: () => 'run-1' };
const ALICE = '7a3f9c2e-1b4d-4e8a-9c6f-2d5e8b1a0c47';
const BOB = 'b0b5e1c2-3d4f-4a6b-8c9d-0e1f2a3b4c5d';

/** A clock that moves one second per reading, so every change has its own time. */
function ticking(start = Date.parse('2026-11-26T10:00:00.000Z')) {
  let now = start;
  return () => {
    now += 1_000;
    return new Date(now);
  };
}

/**
 * A client whose transactions write every audit item with a condition that cannot hold: DynamoDB then cancels
 * the whole transaction because of the audit part alone, as it would for any failure of that write.
 */
function sabotagedClient(endpoint: string): DynamoDBClient {
  const client = localDynamoDBClient(endpoint);
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as {
        TransactItems?: { Put?: { Item?: { sk?: { S?: string } }; ConditionExpression?: string } }[];
      };
      for (const item of input.TransactItems ?? []) {
        if (item.Put?.Item?.sk?.S?.startsWith('AUDIT#')) item.Put.ConditionExpression = 'attribute_exists(pk)';
      }
      return next(args);
    },
    { step: 'initialize', name: 'failAuditPuts' },
  );
  return client;
}

describe('audit trail in the registry table (DynamoDB Local)', () => {
  let test: TestRegistry;
  let admin: TenantAdmin;
  let sabotaged: TenantAdmin;

  const trail = async (tenantId: string) => (await admin.listAudit(tenantId, { limit: 1000 })).entries;

  beforeAll(async () => {
    test = await createTestRegistry();
    const options = { tableName: test.tableName, tiers: DEFAULT_TIERS, audit: OPERATOR };
    admin = new TenantAdmin({ ...options, client: test.client, now: ticking() });
    sabotaged = new TenantAdmin({ ...options, client: sabotagedClient(test.endpoint) });
  });

  it('records every change of a tenant with who, what, why and the request id, newest first', async () => {
    // Prepare
    const domain = makeBinding('domain', 'audit-one.example');

    // Act
    await admin.createTenant({ tenantId: 'audit-one', name: 'Audit One', tier: 'free' });
    await admin.bind('audit-one', domain);
    await admin.setTier('audit-one', 'standard');
    await admin.setStatus('audit-one', 'suspended');
    await admin.setStatus('audit-one', 'active');
    await admin.setRoleMappings('audit-one', { Admins: 'tenant-admin' });
    await admin.addMember({ tenantId: 'audit-one', sub: ALICE, role: 'tenant-member', source: 'domain' });
    await admin.transferMembership('audit-one', ALICE, BOB);
    await admin.removeMember('audit-one', BOB);
    await admin.unbind('audit-one', domain);

    // Assess
    const entries = await trail('audit-one');
    expect(entries.map(({ action, reason, sub, detail }) => ({ action, reason, sub, detail }))).toEqual([
      {
        action: 'binding-removed',
        reason: 'operator-request',
        sub: undefined,
        detail: { binding: 'domain audit-one.example' },
      },
      {
        action: 'member-removed',
        reason: 'operator-request',
        sub: BOB,
        detail: { role: 'tenant-member', activeTenant: '(none)' },
      },
      {
        action: 'membership-transferred',
        reason: 'domain-binding',
        sub: BOB,
        detail: { from: ALICE, role: 'tenant-member' },
      },
      {
        action: 'member-assigned',
        reason: 'domain-binding',
        sub: ALICE,
        detail: { role: 'tenant-member', source: 'domain', tier: 'standard' },
      },
      {
        action: 'role-mappings-changed',
        reason: 'operator-request',
        sub: undefined,
        detail: { from: '{}', to: '{"Admins":"tenant-admin"}' },
      },
      {
        action: 'status-changed',
        reason: 'operator-request',
        sub: undefined,
        detail: { from: 'suspended', to: 'active' },
      },
      {
        action: 'status-changed',
        reason: 'operator-request',
        sub: undefined,
        detail: { from: 'active', to: 'suspended' },
      },
      { action: 'tier-changed', reason: 'operator-request', sub: undefined, detail: { from: 'free', to: 'standard' } },
      {
        action: 'binding-added',
        reason: 'operator-request',
        sub: undefined,
        detail: { binding: 'domain audit-one.example' },
      },
      {
        action: 'tenant-created',
        reason: 'operator-request',
        sub: undefined,
        detail: { tier: 'free', status: 'active', name: 'Audit One' },
      },
    ]);
    for (const entry of entries) {
      expect(entry).toMatchObject({ tenantId: 'audit-one', actor: 'operator:test', requestId: 'run-1' });
    }
    expect(
      [...entries]
        .map((entry) => entry.at)
        .sort()
        .reverse(),
    ).toEqual(entries.map((entry) => entry.at));
  });

  it('gives audit items, and only them, an expiry of the configured retention', async () => {
    // Prepare
    await admin.createTenant({ tenantId: 'audit-ttl', name: 'TTL', tier: 'free' });
    await admin.addMember({
      tenantId: 'audit-ttl',
      sub: ALICE.replace('7a', '7b'),
      role: 'tenant-member',
      source: 'invite',
    });

    // Act
    const items = await test.client.send(
      new QueryCommand({
        TableName: test.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'TENANT#audit-ttl' } },
      }),
    );

    // Assess
    for (const item of items.Items ?? []) {
      const sk = item.sk?.S ?? '';
      if (sk.startsWith('AUDIT#')) {
        const at = Date.parse(item.at?.S ?? '');
        expect(Number(item.expiresAt?.N)).toBe(Math.floor(at / 1000) + 30 * 86_400);
      } else {
        expect(item.expiresAt).toBeUndefined();
      }
    }
    expect((items.Items ?? []).filter((item) => item.sk?.S?.startsWith('AUDIT#'))).toHaveLength(2);
  });

  it('keeps audit items for good when the retention is 0', async () => {
    // Prepare
    const forever = new TenantAdmin({
      client: test.client,
      tableName: test.tableName,
      tiers: DEFAULT_TIERS,
      audit: { ...OPERATOR, retentionDays: 0 },
    });

    // Act
    await forever.createTenant({ tenantId: 'audit-forever', name: 'Forever', tier: 'free' });

    // Assess
    const items = await test.client.send(
      new QueryCommand({
        TableName: test.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
        ExpressionAttributeValues: { ':pk': { S: 'TENANT#audit-forever' }, ':audit': { S: 'AUDIT#' } },
      }),
    );
    expect(items.Items).toHaveLength(1);
    expect(items.Items?.[0]?.expiresAt).toBeUndefined();
  });

  it('records a binding once: binding it again to the same tenant changes nothing and adds no audit item', async () => {
    // Prepare
    await admin.createTenant({ tenantId: 'audit-rebind', name: 'Rebind', tier: 'free' });
    const domain = makeBinding('domain', 'rebind.example');
    await admin.bind('audit-rebind', domain);

    // Act
    await admin.bind('audit-rebind', domain);

    // Assess
    const actions = (await trail('audit-rebind')).map(({ action }) => action);
    expect(actions).toEqual(['binding-added', 'tenant-created']);
    expect(await admin.resolveBinding(domain)).toBe('audit-rebind');
  });

  describe('a failed change leaves no audit item', () => {
    beforeAll(async () => {
      await admin.createTenant({ tenantId: 'audit-full', name: 'Full', tier: 'free' });
      for (let i = 0; i < 5; i++) {
        await admin.addMember({ tenantId: 'audit-full', sub: `seat-${i}`, role: 'tenant-member', source: 'invite' });
      }
      await admin.createTenant({ tenantId: 'audit-held', name: 'Held', tier: 'free' });
      await admin.bind('audit-held', makeBinding('domain', 'held.example'));
      await admin.createTenant({ tenantId: 'audit-off', name: 'Off', tier: 'free' });
      await admin.setStatus('audit-off', 'disabled');
    });

    it.each([
      [
        'a member beyond the seat limit',
        'audit-full',
        () => admin.addMember({ tenantId: 'audit-full', sub: ALICE, role: 'tenant-member', source: 'domain' }),
        'SeatLimitError',
      ],
      [
        'a member of a disabled tenant',
        'audit-off',
        () => admin.addMember({ tenantId: 'audit-off', sub: ALICE, role: 'tenant-member', source: 'domain' }),
        'TenantInactiveError',
      ],
      [
        'a binding another tenant holds',
        'audit-full',
        () => admin.bind('audit-full', makeBinding('domain', 'held.example')),
        'BindingConflictError',
      ],
      [
        'a tenant id that is taken',
        'audit-held',
        () => admin.createTenant({ tenantId: 'audit-held', name: 'Again', tier: 'free' }),
        'TenantExistsError',
      ],
      [
        'a tier change of a missing tenant',
        'audit-missing',
        () => admin.setTier('audit-missing', 'standard'),
        'TenantNotFoundError',
      ],
      [
        'removing a binding the tenant does not hold',
        'audit-full',
        () => admin.unbind('audit-full', makeBinding('domain', 'held.example')),
        'BindingNotFoundError',
      ],
    ])('refuses %s and records nothing', async (_, tenantId, change, error) => {
      // Prepare
      const before = await trail(tenantId);

      // Act
      const run = change();

      // Assess
      await expect(run).rejects.toMatchObject({ name: error });
      expect(await trail(tenantId)).toEqual(before);
    });

    it('records nothing for removing a member who is not one', async () => {
      // Prepare
      const before = await trail('audit-held');

      // Act
      const removed = await admin.removeMember('audit-held', ALICE);

      // Assess
      expect(removed.removed).toBe(false);
      expect(await trail('audit-held')).toEqual(before);
    });
  });

  describe('a change whose audit item cannot be written is not made', () => {
    beforeAll(async () => {
      await admin.createTenant({ tenantId: 'audit-guard', name: 'Guard', tier: 'free' });
    });

    it('adds no member and takes no seat', async () => {
      // Act
      const run = sabotaged.addMember({ tenantId: 'audit-guard', sub: ALICE, role: 'tenant-member', source: 'domain' });

      // Assess
      await expect(run).rejects.toMatchObject({ name: 'RegistryUnavailableError' });
      expect(await admin.getMembership('audit-guard', ALICE, { consistent: true })).toBeUndefined();
      expect(await admin.getUserTenantId(ALICE, { consistent: true })).toBeUndefined();
      expect((await admin.requireTenant('audit-guard', { consistent: true })).seats).toBe(0);
    });

    it('changes no tier or status', async () => {
      // Act
      // Both settle before either is looked at: a rejection waiting unobserved is an unhandled rejection.
      const [tier, status] = await Promise.allSettled([
        sabotaged.setTier('audit-guard', 'enterprise'),
        sabotaged.setStatus('audit-guard', 'suspended'),
      ]);

      // Assess
      expect(tier).toMatchObject({ status: 'rejected', reason: { name: 'RegistryUnavailableError' } });
      expect(status).toMatchObject({ status: 'rejected', reason: { name: 'RegistryUnavailableError' } });
      expect(await admin.requireTenant('audit-guard', { consistent: true })).toMatchObject({
        tier: 'free',
        status: 'active',
      });
    });

    it('binds nothing and creates no tenant', async () => {
      // Act
      // Both settle before either is looked at: a rejection waiting unobserved is an unhandled rejection.
      const [bind, create] = await Promise.allSettled([
        sabotaged.bind('audit-guard', makeBinding('domain', 'guard.example')),
        sabotaged.createTenant({ tenantId: 'audit-never', name: 'Never', tier: 'free' }),
      ]);

      // Assess
      expect(bind).toMatchObject({ status: 'rejected', reason: { name: 'RegistryUnavailableError' } });
      expect(create).toMatchObject({ status: 'rejected', reason: { name: 'RegistryUnavailableError' } });
      expect(await admin.resolveBinding(makeBinding('domain', 'guard.example'))).toBeUndefined();
      expect(await admin.getTenant('audit-never', { consistent: true })).toBeUndefined();
    });
  });

  it('records a refused sign-up with its reason under the tenant', async () => {
    // Prepare
    await admin.createTenant({ tenantId: 'audit-refusal', name: 'Refusal', tier: 'free' });

    // Act
    await admin.recordRefusal('audit-refusal', 'seats-full', {
      sub: ALICE,
      detail: { triggerSource: 'PreSignUp_SignUp' },
    });

    // Assess
    const [latest] = await trail('audit-refusal');
    expect(latest).toMatchObject({
      action: 'sign-up-refused',
      reason: 'seats-full',
      sub: ALICE,
      detail: { triggerSource: 'PreSignUp_SignUp' },
      actor: 'operator:test',
    });
  });

  describe('listing', () => {
    beforeAll(async () => {
      await admin.createTenant({ tenantId: 'audit-pages', name: 'Pages', tier: 'enterprise' });
      for (let i = 0; i < 24; i++) {
        const sub = `00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`;
        await admin.addMember({ tenantId: 'audit-pages', sub, role: 'tenant-member', source: 'invite' });
      }
    });

    it('pages through the trail newest first without gaps or repeats', async () => {
      // Prepare
      const all = await trail('audit-pages');

      // Act
      const pages = [];
      let next: string | undefined;
      do {
        const page = await admin.listAudit('audit-pages', { limit: 10, next });
        pages.push(page.entries);
        next = page.next;
      } while (next !== undefined);

      // Assess
      expect(all).toHaveLength(25);
      expect(pages[0]).toHaveLength(10);
      expect(pages.flat()).toEqual(all);
      expect(all[0]?.sub).toBe('00000000-0000-4000-8000-000000000023');
      expect(all.at(-1)?.action).toBe('tenant-created');
    });

    it('selects the entries at or after --since, and those of one user', async () => {
      // Prepare
      const all = await trail('audit-pages');
      const cut = all[4]?.at ?? '';

      // Act
      const since = await admin.listAudit('audit-pages', { since: cut, limit: 1000 });
      const one = await admin.listAudit('audit-pages', { sub: '00000000-0000-4000-8000-000000000007', limit: 5 });

      // Assess
      expect(since.entries).toEqual(all.slice(0, 5));
      expect(one.entries.map((entry) => entry.sub)).toEqual(['00000000-0000-4000-8000-000000000007']);
    });

    it('refuses a malformed cursor and an out-of-range page size', async () => {
      await expect(admin.listAudit('audit-pages', { next: 'bm90LWEta2V5' })).rejects.toMatchObject({
        name: 'InvalidInputError',
      });
      await expect(admin.listAudit('audit-pages', { limit: 0 })).rejects.toMatchObject({ name: 'InvalidInputError' });
    });
  });
});
