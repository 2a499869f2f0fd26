import { AdminAddUserToGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { type AttributeValue, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TenantAdmin } from '../../shared/registry/tenant-admin';
import { type Cli, cliRunner } from '../support/cli';
import { useCognitoLocal } from '../support/cognito-pool';
import { createTestRegistry, type TestRegistry } from '../support/registry';
import { createPoolUser, type PoolUser, poolState } from '../support/sign-up';

describe('membership commands against DynamoDB Local and cognito-local', () => {
  const local = useCognitoLocal('file');
  let test: TestRegistry;
  let registry: TenantAdmin;
  let cli: Cli;

  beforeEach(async () => {
    test = await createTestRegistry();
    registry = test.registry;
    for (const tenantId of ['acme', 'globex', 'initech']) {
      await registry.createTenant({ tenantId, name: tenantId, tier: 'standard' });
    }
    cli = cliRunner(
      { AWS_ENDPOINT_URL_DYNAMODB: test.endpoint, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: local.cognito.endpoint },
      ['--table', test.tableName],
    );
  });

  /** A pool user with a membership of `tenantId` (their active tenant), as post confirmation leaves them. */
  const memberOf = async (tenantId: string, role = 'tenant-member'): Promise<PoolUser> => {
    const user = await createPoolUser(local.client, local.pool, 'example.com', { 'custom:tenantId': tenantId });
    await registry.addMember({
      tenantId,
      sub: user.sub,
      role,
      source: 'domain',
      directoryUser: { userPoolId: local.pool, username: user.username },
    });
    return user;
  };
  const attribute = async (user: PoolUser) => (await poolState(local.client, local.pool, user.username)).tenantId;
  const trail = async (tenantId: string) => (await registry.listAudit(tenantId, { limit: 1000 })).entries;

  describe('add-member', () => {
    it('adds an existing user by e-mail address to a second tenant and keeps their active tenant', async () => {
      // Prepare
      const jane = await memberOf('acme', 'tenant-admin');

      // Act
      const run = await cli('add-member', 'globex', jane.email, '--pool', local.pool);

      // Assess
      expect(run.code).toBe(0);
      expect(run.out[0]).toContain(`added ${jane.sub} to globex as tenant-member`);
      expect(await registry.getMembership('globex', jane.sub)).toMatchObject({
        role: 'tenant-member',
        status: 'active',
      });
      expect(await registry.getUserTenantId(jane.sub)).toBe('acme');
      expect(await attribute(jane)).toBe('acme');
      expect((await registry.requireTenant('globex')).seats).toBe(1);
      expect((await trail('globex'))[0]).toMatchObject({ action: 'member-assigned', reason: 'operator-request' });
    });

    it('adds a user by sub with a role, makes it the active tenant of a user who had none, and writes it', async () => {
      // Prepare
      const joe = await createPoolUser(local.client, local.pool, 'example.com');

      // Act
      const run = await cli('add-member', 'initech', joe.sub, '--role', 'tenant-admin', '--pool', local.pool);
      const again = await cli('add-member', 'initech', joe.sub, '--pool', local.pool);

      // Assess
      expect(run.code).toBe(0);
      expect(again.out[0]).toContain('already is a member of initech as tenant-admin: nothing changed');
      expect(await registry.listMemberships(joe.sub)).toMatchObject({
        activeTenantId: 'initech',
        directoryUser: { userPoolId: local.pool, username: joe.username },
        memberships: [{ tenantId: 'initech', role: 'tenant-admin' }],
      });
      expect(await attribute(joe)).toBe('initech');
      expect((await registry.requireTenant('initech')).seats).toBe(1);
    });

    it('refuses a user the pool does not have, and changes nothing', async () => {
      // Act
      const run = await cli('add-member', 'acme', 'nobody@example.com', '--pool', local.pool);

      // Assess
      expect(run.code).toBe(1);
      expect(run.err[0]).toContain('has no user nobody@example.com');
      expect((await registry.requireTenant('acme')).seats).toBe(0);
    });
  });

  describe('set-role', () => {
    it('promotes and demotes, and refuses to demote the last tenant admin', async () => {
      // Prepare
      const ann = await memberOf('acme', 'tenant-admin');
      const bob = await memberOf('acme');

      // Act
      const promote = await cli('set-role', 'acme', bob.sub, 'tenant-admin');
      const demote = await cli('set-role', 'acme', ann.sub, 'tenant-member');
      const last = await cli('set-role', 'acme', bob.sub, 'tenant-member');

      // Assess
      expect([promote.code, demote.code, last.code]).toEqual([0, 0, 1]);
      expect(last.err[0]).toContain('last tenant admin of tenant acme');
      expect((await registry.getMembership('acme', bob.sub))?.role).toBe('tenant-admin');
      expect((await registry.getMembership('acme', ann.sub))?.role).toBe('tenant-member');
    });
  });

  describe('remove-member', () => {
    it('moves the active tenant to the oldest other membership and writes custom:tenantId; the last one clears it', async () => {
      // Prepare
      const kim = await memberOf('acme');
      await registry.addMember({ tenantId: 'globex', sub: kim.sub, role: 'tenant-member', source: 'operator' });
      await registry.addMember({ tenantId: 'initech', sub: kim.sub, role: 'tenant-member', source: 'operator' });

      // Act
      const first = await cli('remove-member', 'acme', kim.sub, '--pool', local.pool);
      const afterFirst = await attribute(kim);
      await cli('remove-member', 'initech', kim.sub, '--pool', local.pool);
      const last = await cli('remove-member', 'globex', kim.sub, '--pool', local.pool);

      // Assess
      expect(first).toMatchObject({ code: 0, err: [] });
      expect(first.out[0]).toContain('active tenant now globex (custom:tenantId written)');
      expect(afterFirst).toBe('globex');
      expect(last.out[0]).toContain('active tenant now (none: tokens are refused)');
      expect([undefined, '']).toContain(await attribute(kim));
      expect(await registry.listMemberships(kim.sub)).toMatchObject({ memberships: [], activeTenantId: undefined });
      expect((await registry.requireTenant('acme')).seats).toBe(0);
    });

    it('reports a user who is no member with exit 1 and writes no audit item', async () => {
      // Prepare
      const lee = await memberOf('acme');
      const before = await trail('globex');

      // Act
      const run = await cli('remove-member', 'globex', lee.sub, '--pool', local.pool);

      // Assess
      expect(run.code).toBe(1);
      expect(run.out[0]).toContain(`${lee.sub} is no member of globex`);
      expect(await trail('globex')).toEqual(before);
      expect(await attribute(lee)).toBe('acme');
    });
  });

  describe('memberships', () => {
    it("lists a user's memberships with the active one marked", async () => {
      // Prepare
      const max = await memberOf('globex', 'tenant-admin');
      await registry.addMember({ tenantId: 'acme', sub: max.sub, role: 'tenant-member', source: 'operator' });

      // Act
      const run = await cli('memberships', max.sub);
      const json = await cli('memberships', max.sub, '--json');

      // Assess
      expect(run.out[0]?.split('\n').map((line) => line.split(/\s+/).slice(0, 4))).toEqual([
        ['ACTIVE', 'TENANT', 'ROLE', 'STATUS'],
        ['', 'acme', 'tenant-member', 'active'],
        ['*', 'globex', 'tenant-admin', 'active'],
      ]);
      expect(JSON.parse(json.out.join('\n'))).toMatchObject({ activeTenantId: 'globex' });
    });
  });

  describe('every membership command refuses bad input with exit 2 and changes nothing', () => {
    const SUB = '0e0e0e0e-0000-4000-8000-000000000000';
    it.each([
      ['add-member without --pool', ['add-member', 'acme', SUB]],
      ['add-member with a malformed tenant id', ['add-member', 'Acme!', SUB, '--pool', 'us-east-1_Tenancy1']],
      ['add-member with a malformed address', ['add-member', 'acme', 'a@b@', '--pool', 'us-east-1_Tenancy1']],
      ['add-member with a malformed sub', ['add-member', 'acme', 'a#b', '--pool', 'us-east-1_Tenancy1']],
      [
        'add-member with an unknown role',
        ['add-member', 'acme', SUB, '--role', 'root', '--pool', 'us-east-1_Tenancy1'],
      ],
      ['add-member with a malformed pool', ['add-member', 'acme', SUB, '--pool', 'pool']],
      ['set-role with an unknown role', ['set-role', 'acme', SUB, 'owner']],
      ['set-role with a malformed sub', ['set-role', 'acme', 'x y', 'tenant-admin']],
      ['set-role without its role', ['set-role', 'acme', SUB]],
      ['remove-member without --pool', ['remove-member', 'acme', SUB]],
      ['remove-member with a malformed tenant id', ['remove-member', '-acme', SUB, '--pool', 'us-east-1_Tenancy1']],
      ['memberships with a malformed sub', ['memberships', 'USER#x']],
      ['migrate --remove-role-groups without --pool', ['migrate', '--remove-role-groups']],
    ])('%s', async (_case, argv) => {
      // Prepare
      const before = await Promise.all(['acme', 'globex'].map(trail));

      // Act
      const run = await cli(...argv);

      // Assess
      expect(run.code).toBe(2);
      expect(run.err[0]).toMatch(/^error: /);
      expect(await Promise.all(['acme', 'globex'].map(trail))).toEqual(before);
    });

    it('refuses a removal naming another pool than the one the user lives in', async () => {
      // Prepare
      const eve = await memberOf('acme');

      // Act
      const run = await cli('remove-member', 'acme', eve.sub, '--pool', 'us-east-1_Other1');

      // Assess
      expect(run.code).toBe(2);
      expect(run.err[0]).toContain(`lives in user pool ${local.pool}`);
      expect(await registry.getMembership('acme', eve.sub)).toBeDefined();
    });
  });

  describe('migrate', () => {
    /** Items exactly as the previous version wrote them: no status, no reverse item, no admin count, no user name. */
    const writeLegacy = async (tenantId: string, user: PoolUser, role: string) => {
      const put = (Item: Record<string, AttributeValue>) =>
        test.client.send(new PutItemCommand({ TableName: test.tableName, Item }));
      await put({
        pk: { S: `TENANT#${tenantId}` },
        sk: { S: 'TENANT' },
        tenantId: { S: tenantId },
        name: { S: tenantId },
        tier: { S: 'standard' },
        status: { S: 'active' },
        seats: { N: '1' },
        roleMappings: { M: {} },
        createdAt: { S: '2026-01-01T00:00:00.000Z' },
        updatedAt: { S: '2026-01-01T00:00:00.000Z' },
      });
      await put({
        pk: { S: `TENANT#${tenantId}` },
        sk: { S: `USER#${user.sub}` },
        tenantId: { S: tenantId },
        sub: { S: user.sub },
        role: { S: role },
        source: { S: 'domain' },
        joinedAt: { S: '2026-01-01T00:00:00.000Z' },
      });
      await put({
        pk: { S: `USER#${user.sub}` },
        sk: { S: 'TENANT' },
        tenantId: { S: tenantId },
        joinedAt: { S: '2026-01-01T00:00:00.000Z' },
      });
      await local.client.send(
        new AdminAddUserToGroupCommand({ UserPoolId: local.pool, Username: user.username, GroupName: role }),
      );
    };

    it('reports users without a recorded user name in text, and a removal still finds them in the pool by sub', async () => {
      // Prepare: a user of the previous version, member of legacy (active) and, since, of acme
      const old = await createPoolUser(local.client, local.pool, 'example.com', { 'custom:tenantId': 'legacy' });
      await writeLegacy('legacy', old, 'tenant-member');
      await registry.addMember({ tenantId: 'acme', sub: old.sub, role: 'tenant-member', source: 'operator' });

      // Act
      const report = await cli('migrate');
      const removal = await cli('remove-member', 'legacy', old.sub, '--pool', local.pool);

      // Assess
      expect(report.code).toBe(0);
      expect(report.out[0]?.split('\n')).toContain('users without a name  1 (run again with --pool)');
      expect(removal.out[0]).toContain('active tenant now acme (custom:tenantId written)');
      expect(await attribute(old)).toBe('acme');
    });

    it('keeps a registry of the previous version readable, then upgrades it once and idempotently', async () => {
      // Prepare
      const old = await createPoolUser(local.client, local.pool, 'example.com', { 'custom:tenantId': 'legacy' });
      await writeLegacy('legacy', old, 'tenant-admin');
      const readable = await registry.listMemberships(old.sub);
      const refused = await cli('set-role', 'legacy', old.sub, 'tenant-member');

      // Act
      const first = await cli('migrate', '--pool', local.pool, '--remove-role-groups', '--json');
      const second = await cli('migrate', '--pool', local.pool, '--json');

      // Assess
      expect(readable).toMatchObject({
        activeTenantId: 'legacy',
        memberships: [{ tenantId: 'legacy', role: 'tenant-admin', status: 'active' }],
      });
      expect(refused.code).toBe(1);
      expect(JSON.parse(first.out.join('\n'))).toMatchObject({
        memberships: 1,
        adminCounts: 1,
        usersLocated: 1,
        usersUnlocated: [],
      });
      expect(JSON.parse(first.out.join('\n')).groupRemovals).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(second.out.join('\n'))).toMatchObject({
        memberships: 0,
        adminCounts: 0,
        usersLocated: 0,
        groupRemovals: 0,
      });
      expect(await registry.listMemberships(old.sub, { consistent: true })).toMatchObject({
        directoryUser: { userPoolId: local.pool, username: old.username },
      });
      expect((await poolState(local.client, local.pool, old.username)).groups).toEqual([]);
      const upgraded = (await trail('legacy')).find((entry) => entry.action === 'membership-migrated' && entry.sub);
      expect(upgraded).toMatchObject({
        reason: 'registry-upgrade',
        detail: { status: 'active', role: 'tenant-admin' },
      });
    });
  });
});
