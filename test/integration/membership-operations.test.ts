import { beforeEach, describe, expect, it } from 'vitest';
import { TenantDirectory } from '../../shared/cognito/tenant-directory';
import { MembershipOperations } from '../../shared/memberships/membership-operations';
import { makeBinding } from '../../shared/registry/binding';
import type { TenantAdmin } from '../../shared/registry/tenant-admin';
import {
  AccessDeniedError,
  InvalidInputError,
  MembershipNotFoundError,
  PoolMismatchError,
  TenancyError,
} from '../../shared/runtime/errors';
import { useCognitoLocal } from '../support/cognito-pool';
import { createTestRegistry } from '../support/registry';
import { createPoolUser, type PoolUser, poolState } from '../support/sign-up';

const ROLE_GROUPS = ['tenant-admin', 'tenant-member'];

describe('membership operations (DynamoDB Local and cognito-local)', () => {
  const local = useCognitoLocal('file');
  let registry: TenantAdmin;
  let operations: MembershipOperations;
  /** The UserUpdate-category calls made (AdminUpdateUserAttributes), to hold the documented cost. */
  let userUpdates: number;

  beforeEach(async () => {
    ({ registry } = await createTestRegistry());
    for (const tenantId of ['acme', 'globex'])
      await registry.createTenant({ tenantId, name: tenantId, tier: 'standard' });
    const real = new TenantDirectory(local.client);
    userUpdates = 0;
    const directory = {
      setTenantId: (p: string, u: string, t: string) => {
        userUpdates++;
        return real.setTenantId(p, u, t);
      },
      clearTenantId: (p: string, u: string) => {
        userUpdates++;
        return real.clearTenantId(p, u);
      },
    };
    operations = new MembershipOperations({ registry, directory, roleGroups: ROLE_GROUPS });
  });

  const member = async (tenantId: string, role = 'tenant-member', recorded = true): Promise<PoolUser> => {
    const user = await createPoolUser(local.client, local.pool, 'example.com', { 'custom:tenantId': tenantId });
    await registry.addMember({
      tenantId,
      sub: user.sub,
      role,
      source: 'domain',
      ...(recorded ? { directoryUser: { userPoolId: local.pool, username: user.username } } : {}),
    });
    return user;
  };
  const attribute = async (user: PoolUser) => (await poolState(local.client, local.pool, user.username)).tenantId;
  const asAdmin = (tenantId: string, admin: PoolUser) => ({ kind: 'tenant-admin', tenantId, sub: admin.sub }) as const;

  describe('a tenant admin', () => {
    it('adds, promotes and removes members of their own tenant, recorded as a tenant admin request', async () => {
      // Prepare
      const admin = await member('acme', 'tenant-admin');
      const other = await member('globex');

      // Act
      const added = await operations.addMember(
        asAdmin('acme', admin),
        'acme',
        { sub: other.sub, directoryUser: { userPoolId: local.pool, username: other.username } },
        'tenant-member',
      );
      const promoted = await operations.setRole(asAdmin('acme', admin), 'acme', other.sub, 'tenant-admin');
      const removed = await operations.removeMember(asAdmin('acme', admin), 'acme', other.sub);

      // Assess
      expect(added).toMatchObject({ created: true, directory: 'unchanged', membership: { source: 'tenant-admin' } });
      expect(promoted.role).toBe('tenant-admin');
      expect(removed).toMatchObject({ removed: true, activeChanged: false, directory: 'unchanged' });
      const reasons = (await registry.listAudit('acme')).entries
        .filter((entry) => entry.sub === other.sub)
        .map((entry) => [entry.action, entry.reason]);
      expect(reasons).toEqual([
        ['member-removed', 'tenant-admin-request'],
        ['role-changed', 'tenant-admin-request'],
        ['member-assigned', 'tenant-admin-request'],
      ]);
      expect(userUpdates).toBe(0);
    });

    it('never acts on another tenant, whatever tenant the request names', async () => {
      // Prepare
      const admin = await member('acme', 'tenant-admin');
      const victim = await member('globex', 'tenant-admin');
      await registry.addMember({ tenantId: 'globex', sub: admin.sub, role: 'tenant-member', source: 'operator' });

      // Act
      const outcomes = await Promise.allSettled([
        operations.removeMember(asAdmin('acme', admin), 'globex', victim.sub),
        operations.setRole(asAdmin('acme', admin), 'globex', admin.sub, 'tenant-admin'),
        operations.addMember(
          asAdmin('acme', admin),
          'globex',
          { sub: admin.sub, directoryUser: { userPoolId: local.pool, username: admin.username } },
          'tenant-admin',
        ),
      ]);

      // Assess
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(AccessDeniedError);
      }
      expect((await registry.getMembership('globex', victim.sub))?.role).toBe('tenant-admin');
      expect((await registry.getMembership('globex', admin.sub))?.role).toBe('tenant-member');
    });

    it('loses the power to act the moment the registry demotes them, whatever their token still says', async () => {
      // Prepare
      const first = await member('acme', 'tenant-admin');
      const second = await member('acme', 'tenant-admin');
      await operations.setRole({ kind: 'operator' }, 'acme', first.sub, 'tenant-member');

      // Act
      const attempt = await operations
        .setRole(asAdmin('acme', first), 'acme', second.sub, 'tenant-member')
        .catch((error: unknown) => error);

      // Assess
      expect(attempt).toBeInstanceOf(AccessDeniedError);
      expect((await registry.getMembership('acme', second.sub))?.role).toBe('tenant-admin');
    });
  });

  describe('switching the active tenant', () => {
    it('writes the registry, then custom:tenantId with one call, and asks the client to refresh', async () => {
      // Prepare
      const user = await member('acme', 'tenant-admin');
      await registry.addMember({ tenantId: 'globex', sub: user.sub, role: 'tenant-member', source: 'operator' });

      // Act
      const switched = await operations.switchTenant(user.sub, 'globex', { tokenTenantId: 'acme' });

      // Assess
      expect(switched).toEqual({
        tenantId: 'globex',
        previousTenantId: 'acme',
        changed: true,
        directory: 'written',
        next: 'refresh-tokens',
      });
      expect(await attribute(user)).toBe('globex');
      expect(userUpdates).toBe(1);
    });

    it('writes nothing to Cognito for a switch to the tenant the token already has', async () => {
      // Prepare
      const user = await member('acme');

      // Act
      const same = await operations.switchTenant(user.sub, 'acme', { tokenTenantId: 'acme' });

      // Assess
      expect(same).toMatchObject({ changed: false, directory: 'unchanged' });
      expect(userUpdates).toBe(0);
    });

    it('repairs custom:tenantId when the token shows an earlier switch stopped after the registry', async () => {
      // Prepare: the registry says globex, Cognito still says acme
      const user = await member('acme');
      await registry.addMember({ tenantId: 'globex', sub: user.sub, role: 'tenant-member', source: 'operator' });
      await registry.switchActiveTenant(user.sub, 'globex');

      // Act
      const repaired = await operations.switchTenant(user.sub, 'globex', { tokenTenantId: 'acme' });

      // Assess
      expect(repaired).toMatchObject({ changed: false, directory: 'written' });
      expect(await attribute(user)).toBe('globex');
    });

    it('refuses a tenant the caller does not belong to, writing nothing anywhere', async () => {
      // Prepare
      const user = await member('acme');

      // Act
      const foreign = await operations.switchTenant(user.sub, 'globex').catch((error: unknown) => error);

      // Assess
      expect(foreign).toBeInstanceOf(MembershipNotFoundError);
      expect(await attribute(user)).toBe('acme');
      expect(userUpdates).toBe(0);
    });

    it("uses the caller's own user name from the token when the registry has none recorded", async () => {
      // Prepare
      const user = await member('acme', 'tenant-member', false);
      await registry.addMember({ tenantId: 'globex', sub: user.sub, role: 'tenant-member', source: 'operator' });

      // Act
      const unknown = await operations.switchTenant(user.sub, 'globex');
      const back = await operations.switchTenant(user.sub, 'acme', {
        fallbackUser: { userPoolId: local.pool, username: user.username },
      });

      // Assess
      expect(unknown.directory).toBe('unknown-user');
      expect(back.directory).toBe('written');
      expect(await attribute(user)).toBe('acme');
    });

    it('leaves custom:tenantId equal to the registry when a switch races a removal', async () => {
      for (let round = 0; round < 4; round++) {
        // Prepare
        const user = await member('acme');
        await registry.addMember({ tenantId: 'globex', sub: user.sub, role: 'tenant-member', source: 'operator' });

        // Act
        await Promise.allSettled([
          operations.switchTenant(user.sub, 'globex'),
          operations.removeMember({ kind: 'operator' }, 'globex', user.sub),
        ]);

        // Assess
        expect(await registry.getUserTenantId(user.sub, { consistent: true })).toBe('acme');
        expect(await attribute(user)).toBe('acme');
      }
    });
  });

  describe("listing the caller's tenants", () => {
    it('names each active membership, its role and tenant, and marks the active one', async () => {
      // Prepare
      const user = await member('globex', 'tenant-admin');
      await registry.addMember({ tenantId: 'acme', sub: user.sub, role: 'tenant-member', source: 'operator' });
      await registry.addMember({
        tenantId: 'acme',
        sub: 'invite-0123456789abcdef0123456789abcdef',
        role: 'tenant-member',
        source: 'invite',
        status: 'invited',
      });

      // Act
      const tenants = await operations.listTenants(user.sub);

      // Assess
      expect(tenants).toEqual([
        { tenantId: 'acme', name: 'acme', role: 'tenant-member', tenantStatus: 'active', active: false },
        { tenantId: 'globex', name: 'globex', role: 'tenant-admin', tenantStatus: 'active', active: true },
      ]);
    });
  });

  describe('input and configuration', () => {
    it('refuses a role outside the role groups and a malformed Cognito location before any write', async () => {
      // Prepare
      const admin = await member('acme', 'tenant-admin');

      // Act
      const role = await operations
        .setRole({ kind: 'operator' }, 'acme', admin.sub, 'platform-admin')
        .catch((error: unknown) => error);
      const location = await operations
        .addMember(
          { kind: 'operator' },
          'globex',
          { sub: admin.sub, directoryUser: { userPoolId: local.pool, username: 'a b' } },
          'tenant-member',
        )
        .catch((error: unknown) => error);

      // Assess
      expect(role).toBeInstanceOf(InvalidInputError);
      expect(location).toBeInstanceOf(InvalidInputError);
      expect(await registry.getMembership('globex', admin.sub)).toBeUndefined();
    });

    it('refuses to add a user of one pool to a tenant pinned to another pool (silo pinning)', async () => {
      // Prepare
      const user = await member('acme');
      await registry.bind('globex', makeBinding('pool', 'us-east-1_Silo9'));

      // Act
      const added = await operations
        .addMember(
          { kind: 'operator' },
          'globex',
          { sub: user.sub, directoryUser: { userPoolId: local.pool, username: user.username } },
          'tenant-member',
        )
        .catch((error: unknown) => error);

      // Assess
      expect(added).toBeInstanceOf(PoolMismatchError);
      expect(await registry.getMembership('globex', user.sub)).toBeUndefined();
      expect((await registry.requireTenant('globex')).seats).toBe(0);
    });

    it('refuses an operation that may write custom:tenantId when no user pool was opened', async () => {
      // Prepare
      const user = await member('acme');
      const withoutPool = new MembershipOperations({ registry, roleGroups: ROLE_GROUPS });

      // Act
      const removal = await withoutPool.removeMember({ kind: 'operator' }, 'acme', user.sub).catch((e: unknown) => e);

      // Assess
      expect(removal).toBeInstanceOf(TenancyError);
      expect((removal as Error).message).toBe('this membership operation needs the user pool');
      expect(await registry.getMembership('acme', user.sub)).toBeDefined();
    });
  });
});
