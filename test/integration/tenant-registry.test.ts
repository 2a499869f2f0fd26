import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeBinding } from '../../shared/registry/binding';
import type { TenantAdmin } from '../../shared/registry/tenant-admin';
import { Tiers } from '../../shared/registry/tiers';
import {
  BindingConflictError,
  BindingNotFoundError,
  InvalidInputError,
  SeatLimitError,
  TenantExistsError,
  TenantInactiveError,
  TenantNotFoundError,
  UnknownTierError,
} from '../../shared/runtime/errors';
import { createTestRegistry, type TestRegistry } from '../support/registry';

const TIERS = new Tiers([
  { name: 'free', seatLimit: 3 },
  { name: 'standard', seatLimit: 50 },
]);

describe('TenantRegistry against DynamoDB Local', () => {
  let registry: TenantAdmin;
  let test: TestRegistry;

  beforeEach(async () => {
    test = await createTestRegistry(TIERS);
    ({ registry } = test);
  });

  describe('tenants', () => {
    it('creates a tenant with a generated, well-formed id and reads it back', async () => {
      // Act
      const created = await registry.createTenant({ name: 'Acme Corp', tier: 'free' });
      const read = await registry.getTenant(created.tenantId);

      // Assess
      expect(created.tenantId).toMatch(/^t-[a-z2-7]{20}$/);
      expect(read).toEqual({ ...created, status: 'active', seats: 0, roleMappings: {} });
    });

    it('refuses a second tenant with the same id and keeps the first', async () => {
      // Prepare
      await registry.createTenant({ tenantId: 'acme', name: 'Acme', tier: 'free' });

      // Act
      const second = registry.createTenant({ tenantId: 'acme', name: 'Impostor', tier: 'standard' });

      // Assess
      await expect(second).rejects.toBeInstanceOf(TenantExistsError);
      expect((await registry.requireTenant('acme')).name).toBe('Acme');
    });

    it('refuses an unknown tier and an invalid tenant id without writing anything', async () => {
      // Act
      const unknownTier = registry.createTenant({ tenantId: 'acme', name: 'Acme', tier: 'platinum' });
      const badId = registry.createTenant({ tenantId: 'Acme_Corp', name: 'Acme', tier: 'free' });

      // Assess
      await expect(unknownTier).rejects.toBeInstanceOf(UnknownTierError);
      await expect(badId).rejects.toBeInstanceOf(InvalidInputError);
      expect(await registry.listTenants()).toEqual([]);
    });

    it('changes tier and status and reports an unknown tenant as not found', async () => {
      // Prepare
      await registry.createTenant({ tenantId: 'acme', name: 'Acme', tier: 'free' });

      // Act
      await registry.setTier('acme', 'standard');
      const suspended = await registry.setStatus('acme', 'suspended');
      const missing = registry.setStatus('nobody', 'suspended');

      // Assess
      expect(suspended).toMatchObject({ tier: 'standard', status: 'suspended' });
      await expect(missing).rejects.toBeInstanceOf(TenantNotFoundError);
    });

    it('lists every tenant sorted by id, and nothing else', async () => {
      // Prepare: user items share the tenant items' sort key, so they must not be mistaken for tenants.
      await registry.createTenant({ tenantId: 'zeta', name: 'Zeta', tier: 'free' });
      await registry.createTenant({ tenantId: 'alpha', name: 'Alpha', tier: 'standard' });
      await registry.addMember({ tenantId: 'alpha', sub: 'user-1', role: 'tenant-member', source: 'domain' });
      await registry.bind('zeta', makeBinding('domain', 'zeta.example'));

      // Act
      const ids = (await registry.listTenants()).map((tenant) => tenant.tenantId);

      // Assess
      expect(ids).toEqual(['alpha', 'zeta']);
    });
  });

  describe('bindings', () => {
    beforeEach(async () => {
      await registry.createTenant({ tenantId: 'acme', name: 'Acme', tier: 'free' });
      await registry.createTenant({ tenantId: 'globex', name: 'Globex', tier: 'free' });
    });

    it('resolves each kind of binding to its tenant and lists them under the tenant', async () => {
      // Prepare
      const bindings = [
        makeBinding('pool', 'eu-west-1_AbC123'),
        makeBinding('idp', 'eu-west-1_AbC123', 'AcmeSAML'),
        makeBinding('client', '1example23456789'),
        makeBinding('domain', 'Acme.Example'),
      ];

      // Act
      for (const binding of bindings) await registry.bind('acme', binding);

      // Assess
      for (const binding of bindings) expect(await registry.resolveBinding(binding)).toBe('acme');
      expect(await registry.listBindings('acme')).toEqual(expect.arrayContaining(bindings));
      expect(await registry.resolveBinding(makeBinding('domain', 'acme.example'))).toBe('acme');
    });

    it('refuses a binding held by another tenant and leaves it with the holder', async () => {
      // Prepare
      const domain = makeBinding('domain', 'acme.example');
      await registry.bind('acme', domain);

      // Act
      const steal = registry.bind('globex', domain);

      // Assess
      await expect(steal).rejects.toMatchObject({ name: 'BindingConflictError', heldBy: 'acme' });
      expect(await registry.resolveBinding(domain)).toBe('acme');
      expect(await registry.listBindings('globex')).toEqual([]);
    });

    it('treats binding again to the same tenant as a no-op', async () => {
      // Prepare
      const domain = makeBinding('domain', 'acme.example');
      await registry.bind('acme', domain);

      // Act
      await registry.bind('acme', domain);

      // Assess
      expect(await registry.listBindings('acme')).toEqual([domain]);
    });

    it('refuses to bind to a tenant that does not exist', async () => {
      // Act
      const bind = registry.bind('nobody', makeBinding('domain', 'nobody.example'));

      // Assess
      await expect(bind).rejects.toBeInstanceOf(TenantNotFoundError);
      expect(await registry.resolveBinding(makeBinding('domain', 'nobody.example'))).toBeUndefined();
    });

    it('unbinds only a binding the tenant holds', async () => {
      // Prepare
      const domain = makeBinding('domain', 'acme.example');
      await registry.bind('acme', domain);

      // Act
      const foreign = registry.unbind('globex', domain);
      await expect(foreign).rejects.toBeInstanceOf(BindingNotFoundError);
      await registry.unbind('acme', domain);

      // Assess
      expect(await registry.resolveBinding(domain)).toBeUndefined();
      expect(await registry.listBindings('acme')).toEqual([]);
    });

    it('keeps the pools bound to a tenant on its item, and adds one bound before the item kept them when bound again', async () => {
      // Prepare
      const silo = makeBinding('pool', 'us-east-1_AcmeSilo');
      const other = makeBinding('pool', 'us-east-1_AcmeSilo2');
      await registry.bind('acme', silo);
      await registry.bind('acme', other);
      const both = (await registry.getTenant('acme'))?.siloPools;
      await registry.unbind('acme', other);
      const one = (await registry.getTenant('acme'))?.siloPools;
      await registry.unbind('acme', silo);
      const none = (await registry.getTenant('acme'))?.siloPools;
      await registry.bind('acme', silo);
      const rebound = (await registry.getTenant('acme'))?.siloPools;
      // As a binding written before tenant items kept their pools: binding item and pointer only.
      await test.client.send(
        new UpdateItemCommand({
          TableName: test.tableName,
          Key: { pk: { S: 'TENANT#acme' }, sk: { S: 'TENANT' } },
          UpdateExpression: 'REMOVE siloPools',
        }),
      );
      const legacy = (await registry.getTenant('acme'))?.siloPools;

      // Act
      await registry.bind('acme', silo);
      const repaired = (await registry.getTenant('acme'))?.siloPools;

      // Assess
      expect(both?.slice().sort()).toEqual(['us-east-1_AcmeSilo', 'us-east-1_AcmeSilo2']);
      expect(one).toEqual(['us-east-1_AcmeSilo']);
      expect(none).toBeUndefined();
      expect(rebound).toEqual(['us-east-1_AcmeSilo']);
      expect(legacy).toBeUndefined();
      expect(repaired).toEqual(['us-east-1_AcmeSilo']);
    });

    it('gives a binding claimed concurrently by many tenants to exactly one of them', async () => {
      // Prepare
      const claimants = Array.from({ length: 8 }, (_, i) => `tenant-${i}`);
      for (const tenantId of claimants) await registry.createTenant({ tenantId, name: tenantId, tier: 'free' });
      const domain = makeBinding('domain', 'contested.example');

      // Act
      const outcomes = await Promise.allSettled(claimants.map((tenantId) => registry.bind(tenantId, domain)));

      // Assess
      const winners = claimants.filter((_, i) => outcomes[i]?.status === 'fulfilled');
      const losers = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(winners).toHaveLength(1);
      for (const loser of losers) expect(loser.reason).toBeInstanceOf(BindingConflictError);
      expect(await registry.resolveBinding(domain)).toBe(winners[0]);
      const listed = await Promise.all(claimants.map((tenantId) => registry.listBindings(tenantId)));
      expect(listed.flat()).toEqual([domain]);
    });
  });

  describe('memberships', () => {
    beforeEach(async () => {
      await registry.createTenant({ tenantId: 'acme', name: 'Acme', tier: 'free' });
      await registry.createTenant({ tenantId: 'globex', name: 'Globex', tier: 'free' });
    });

    it('adds a member with one seat and finds the user tenant', async () => {
      // Act
      const result = await registry.addMember({
        tenantId: 'acme',
        sub: 'user-1',
        role: 'tenant-member',
        source: 'domain',
      });

      // Assess
      expect(result.created).toBe(true);
      expect(await registry.getUserTenantId('user-1')).toBe('acme');
      expect(await registry.getMembership('acme', 'user-1')).toEqual(result.membership);
      expect((await registry.requireTenant('acme')).seats).toBe(1);
    });

    it('converges a repeated add of the same member to one membership and one seat', async () => {
      // Prepare
      const input = { tenantId: 'acme', sub: 'user-1', role: 'tenant-member', source: 'domain' } as const;
      const first = await registry.addMember(input);

      // Act
      const second = await registry.addMember(input);

      // Assess
      expect(second).toEqual({ membership: first.membership, created: false, tier: first.tier });
      expect(await registry.listMembers('acme')).toHaveLength(1);
      expect((await registry.requireTenant('acme')).seats).toBe(1);
      const assigned = (await registry.listAudit('acme')).entries.filter((entry) => entry.action === 'member-assigned');
      expect(assigned).toHaveLength(1);
    });

    it('adds a user to a second tenant with a seat in each, keeps the first active, lists both in one Query', async () => {
      // Prepare
      const acme = await registry.addMember({
        tenantId: 'acme',
        sub: 'user-1',
        role: 'tenant-admin',
        source: 'domain',
        directoryUser: { userPoolId: 'us-east-1_Pool', username: 'jane' },
      });

      // Act
      const globex = await registry.addMember({
        tenantId: 'globex',
        sub: 'user-1',
        role: 'tenant-member',
        source: 'invite',
      });

      // Assess
      expect(globex.created).toBe(true);
      expect(await registry.getUserTenantId('user-1')).toBe('acme');
      expect(await registry.listMemberships('user-1')).toEqual({
        sub: 'user-1',
        memberships: [acme.membership, globex.membership],
        activeTenantId: 'acme',
        directoryUser: { userPoolId: 'us-east-1_Pool', username: 'jane' },
      });
      expect((await registry.requireTenant('acme')).seats).toBe(1);
      expect((await registry.requireTenant('globex')).seats).toBe(1);
    });

    it('refuses members of a suspended tenant', async () => {
      // Prepare
      await registry.setStatus('acme', 'suspended');

      // Act
      const add = registry.addMember({ tenantId: 'acme', sub: 'user-1', role: 'tenant-member', source: 'domain' });

      // Assess
      await expect(add).rejects.toBeInstanceOf(TenantInactiveError);
      expect(await registry.getUserTenantId('user-1')).toBeUndefined();
    });

    it('never exceeds the seat limit under concurrent sign-ups', async () => {
      // Prepare
      const subs = Array.from({ length: 10 }, (_, i) => `user-${i}`);

      // Act
      const outcomes = await Promise.allSettled(
        subs.map((sub) => registry.addMember({ tenantId: 'acme', sub, role: 'tenant-member', source: 'domain' })),
      );

      // Assess
      const admitted = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(admitted).toHaveLength(3);
      for (const outcome of refused) expect(outcome.reason).toBeInstanceOf(SeatLimitError);
      expect(await registry.listMembers('acme')).toHaveLength(3);
      expect((await registry.requireTenant('acme')).seats).toBe(3);
    });

    it('frees the seat when a member is removed', async () => {
      // Prepare
      await registry.addMember({ tenantId: 'acme', sub: 'user-1', role: 'tenant-member', source: 'invite' });

      // Act
      const removed = await registry.removeMember('acme', 'user-1');
      const again = await registry.removeMember('acme', 'user-1');

      // Assess
      expect([removed.removed, again.removed]).toEqual([true, false]);
      expect(await registry.getUserTenantId('user-1')).toBeUndefined();
      expect((await registry.requireTenant('acme')).seats).toBe(0);
    });
  });
});
