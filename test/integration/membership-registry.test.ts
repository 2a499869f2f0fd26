import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { TenantAdmin } from '../../shared/registry/tenant-admin';
import { Tiers } from '../../shared/registry/tiers';
import {
  InvalidInputError,
  LastAdminError,
  MembershipNotFoundError,
  SeatLimitError,
  TenantInactiveError,
} from '../../shared/runtime/errors';
import { createTestRegistry, type TestRegistry } from '../support/registry';

const TIERS = new Tiers([
  { name: 'solo', seatLimit: 1 },
  { name: 'free', seatLimit: 50 },
]);

const ADMIN = 'tenant-admin';
const MEMBER = 'tenant-member';
const ALICE = 'a11ce000-0000-4000-8000-000000000001';
const BOB = 'b0b00000-0000-4000-8000-000000000002';
const CAROL = 'ca201000-0000-4000-8000-000000000003';

describe('memberships in the registry (DynamoDB Local)', () => {
  let test: TestRegistry;
  let registry: TenantAdmin;
  // A clock that moves one second per read, so joinedAt orders memberships the way they were added.
  let tick = 0;

  /** The tenant item's admin count, read straight from the table. */
  const admins = async (tenantId: string) => {
    const item = await test.client.send(
      new GetItemCommand({
        TableName: test.tableName,
        Key: { pk: { S: `TENANT#${tenantId}` }, sk: { S: 'TENANT' } },
        ConsistentRead: true,
      }),
    );
    return Number(item.Item?.admins?.N);
  };
  const join = (tenantId: string, sub: string, role = MEMBER) =>
    registry.addMember({ tenantId, sub, role, source: 'operator' });

  beforeEach(async () => {
    test = await createTestRegistry(TIERS);
    registry = new TenantAdmin({
      client: test.client,
      tableName: test.tableName,
      tiers: TIERS,
      now: () => new Date(Date.UTC(2026, 0, 1) + ++tick * 1000),
    });
    for (const tenantId of ['acme', 'globex', 'initech']) {
      await registry.createTenant({ tenantId, name: tenantId.toUpperCase(), tier: 'free' });
    }
  });

  describe('roles and the last tenant admin', () => {
    it('counts active admins on the tenant item as they join, are promoted and demoted', async () => {
      // Prepare
      await join('acme', ALICE, ADMIN);
      await join('acme', BOB);

      // Act
      const promoted = await registry.setRole('acme', BOB, ADMIN);
      const afterPromotion = await admins('acme');
      const demoted = await registry.setRole('acme', ALICE, MEMBER);

      // Assess
      expect(promoted.role).toBe(ADMIN);
      expect(afterPromotion).toBe(2);
      expect(demoted.role).toBe(MEMBER);
      expect(await admins('acme')).toBe(1);
      expect((await registry.listMemberships(ALICE)).memberships).toEqual([demoted]);
      const changes = (await registry.listAudit('acme')).entries.filter((entry) => entry.action === 'role-changed');
      expect(changes.map((entry) => entry.detail)).toEqual([
        { from: ADMIN, to: MEMBER },
        { from: MEMBER, to: ADMIN },
      ]);
    });

    it('refuses to demote or remove the last tenant admin, and changes nothing', async () => {
      // Prepare
      await join('acme', ALICE, ADMIN);
      const before = await registry.listAudit('acme');

      // Act
      const demotion = await registry.setRole('acme', ALICE, MEMBER).catch((error: unknown) => error);
      const removal = await registry.removeMember('acme', ALICE).catch((error: unknown) => error);

      // Assess
      expect(demotion).toBeInstanceOf(LastAdminError);
      expect(removal).toBeInstanceOf(LastAdminError);
      expect((await registry.getMembership('acme', ALICE))?.role).toBe(ADMIN);
      expect(await admins('acme')).toBe(1);
      expect((await registry.listAudit('acme')).entries).toEqual(before.entries);
    });

    it('keeps one admin when two admins demote each other at the same time', async () => {
      // Prepare
      await join('acme', ALICE, ADMIN);
      await join('acme', BOB, ADMIN);

      // Act
      const outcomes = await Promise.allSettled([
        registry.setRole('acme', ALICE, MEMBER),
        registry.setRole('acme', BOB, MEMBER),
      ]);

      // Assess
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.find((outcome) => outcome.status === 'rejected');
      expect(refused?.reason).toBeInstanceOf(LastAdminError);
      const roles = await Promise.all(
        [ALICE, BOB].map(async (sub) => (await registry.getMembership('acme', sub))?.role),
      );
      expect(roles.filter((role) => role === ADMIN)).toHaveLength(1);
      expect(await admins('acme')).toBe(1);
    });

    it('keeps one admin when two admins remove each other at the same time', async () => {
      // Prepare
      await join('acme', ALICE, ADMIN);
      await join('acme', BOB, ADMIN);

      // Act
      const outcomes = await Promise.allSettled([
        registry.removeMember('acme', ALICE),
        registry.removeMember('acme', BOB),
      ]);

      // Assess
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.find((outcome) => outcome.status === 'rejected')?.reason).toBeInstanceOf(LastAdminError);
      expect(await registry.listMembers('acme')).toHaveLength(1);
      expect(await registry.requireTenant('acme')).toMatchObject({ seats: 1 });
      expect(await admins('acme')).toBe(1);
    });

    it('refuses a role change for a user who is no member, and writes nothing for the role already held', async () => {
      // Prepare
      await join('acme', ALICE, ADMIN);
      const before = await registry.listAudit('acme');

      // Act
      const stranger = await registry.setRole('acme', BOB, ADMIN).catch((error: unknown) => error);
      const same = await registry.setRole('acme', ALICE, ADMIN);
      const malformed = await registry.setRole('acme', ALICE, 'admin,root').catch((error: unknown) => error);

      // Assess
      expect(stranger).toBeInstanceOf(MembershipNotFoundError);
      expect(malformed).toBeInstanceOf(InvalidInputError);
      expect(same.role).toBe(ADMIN);
      expect((await registry.listAudit('acme')).entries).toEqual(before.entries);
    });
  });

  describe('seats across tenants', () => {
    it('takes one seat in each tenant a user joins at the same time, and refuses only the full one', async () => {
      // Prepare
      await registry.createTenant({ tenantId: 'tiny', name: 'Tiny', tier: 'solo' });
      await join('tiny', CAROL);

      // Act
      const outcomes = await Promise.allSettled(
        ['acme', 'globex', 'initech', 'tiny'].map((tenantId) => join(tenantId, ALICE)),
      );

      // Assess
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
      expect((outcomes[3] as PromiseRejectedResult).reason).toBeInstanceOf(SeatLimitError);
      for (const tenantId of ['acme', 'globex', 'initech', 'tiny']) {
        expect((await registry.requireTenant(tenantId)).seats).toBe(1);
      }
      const user = await registry.listMemberships(ALICE);
      expect(user.memberships.map((membership) => membership.tenantId)).toEqual(['acme', 'globex', 'initech']);
      expect(['acme', 'globex', 'initech']).toContain(user.activeTenantId);
    });

    it('releases the seat of a removed member for someone else', async () => {
      // Prepare
      await registry.createTenant({ tenantId: 'tiny', name: 'Tiny', tier: 'solo' });
      await join('tiny', ALICE);
      const full = join('tiny', BOB);
      await expect(full).rejects.toBeInstanceOf(SeatLimitError);

      // Act
      await registry.removeMember('tiny', ALICE);
      const admitted = await join('tiny', BOB);

      // Assess
      expect(admitted.created).toBe(true);
      expect((await registry.requireTenant('tiny')).seats).toBe(1);
    });
  });

  describe('the active tenant', () => {
    it("makes a user's first membership the active tenant and keeps it when more are added", async () => {
      // Act
      await join('globex', ALICE);
      await join('acme', ALICE);

      // Assess
      expect(await registry.getUserTenantId(ALICE)).toBe('globex');
    });

    it("switches to another active membership and records it in that tenant's trail", async () => {
      // Prepare
      await join('acme', ALICE, ADMIN);
      await join('globex', ALICE);

      // Act
      const result = await registry.switchActiveTenant(ALICE, 'globex');
      const again = await registry.switchActiveTenant(ALICE, 'globex');

      // Assess
      expect(result).toMatchObject({ activeTenantId: 'globex', previousTenantId: 'acme', changed: true });
      expect(again).toMatchObject({ activeTenantId: 'globex', previousTenantId: 'globex', changed: false });
      expect(await registry.getUserTenantId(ALICE)).toBe('globex');
      const switched = (await registry.listAudit('globex')).entries.filter(
        (entry) => entry.action === 'active-tenant-changed',
      );
      expect(switched).toMatchObject([{ sub: ALICE, reason: 'user-request', detail: { from: 'acme', to: 'globex' } }]);
    });

    it('refuses a switch to a tenant the user does not belong to exactly like one that does not exist', async () => {
      // Prepare
      await join('acme', ALICE);

      // Act
      const foreign = await registry.switchActiveTenant(ALICE, 'globex').catch((error: unknown) => error);
      const unknown = await registry.switchActiveTenant(ALICE, 'no-such-tenant').catch((error: unknown) => error);

      // Assess
      expect(foreign).toBeInstanceOf(MembershipNotFoundError);
      expect(unknown).toBeInstanceOf(MembershipNotFoundError);
      expect((foreign as MembershipNotFoundError).userMessage).toBe((unknown as MembershipNotFoundError).userMessage);
      expect(await registry.getUserTenantId(ALICE)).toBe('acme');
    });

    it('refuses a switch to a suspended tenant the user belongs to', async () => {
      // Prepare
      await join('acme', ALICE);
      await join('globex', ALICE);
      await registry.setStatus('globex', 'suspended');

      // Act
      const run = registry.switchActiveTenant(ALICE, 'globex');

      // Assess
      await expect(run).rejects.toBeInstanceOf(TenantInactiveError);
      expect(await registry.getUserTenantId(ALICE)).toBe('acme');
    });

    it('moves the active tenant to the oldest other active membership of an active tenant on removal', async () => {
      // Prepare: active acme; then globex (suspended later), initech, in that order
      await join('acme', ALICE);
      await join('globex', ALICE);
      await join('initech', ALICE);
      await registry.setStatus('globex', 'suspended');

      // Act
      const result = await registry.removeMember('acme', ALICE);

      // Assess
      expect(result).toMatchObject({ removed: true, activeTenantId: 'initech', activeChanged: true });
      expect(await registry.getUserTenantId(ALICE)).toBe('initech');
      const removed = (await registry.listAudit('acme')).entries.find((entry) => entry.action === 'member-removed');
      expect(removed?.detail).toEqual({ role: MEMBER, activeTenant: 'initech' });
    });

    it('clears the active tenant when the last membership is removed, and leaves it when another one is', async () => {
      // Prepare
      await join('acme', ALICE);
      await join('globex', ALICE);

      // Act
      const other = await registry.removeMember('globex', ALICE);
      const last = await registry.removeMember('acme', ALICE);

      // Assess
      expect(other).toMatchObject({ removed: true, activeTenantId: 'acme', activeChanged: false });
      expect(last).toMatchObject({ removed: true, activeTenantId: undefined, activeChanged: true });
      expect(await registry.listMemberships(ALICE)).toMatchObject({ memberships: [], activeTenantId: undefined });
    });

    it('never leaves the active tenant without an active membership when a switch races a removal', async () => {
      for (let round = 0; round < 6; round++) {
        // Prepare
        const sub = `racer-${round}`;
        await join('acme', sub);
        await join('globex', sub);

        // Act
        await Promise.allSettled([registry.switchActiveTenant(sub, 'globex'), registry.removeMember('globex', sub)]);

        // Assess
        const active = await registry.getUserTenantId(sub, { consistent: true });
        expect(active).toBe('acme');
        expect(await registry.getMembership('globex', sub, { consistent: true })).toBeUndefined();
      }
    });
  });
});
