import { beforeEach, describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../../shared/cognito/tenant-directory';
import { createMembersApi, type MembersApiHandler, type MembersRequest } from '../../shared/members-api/members-api';
import { MembershipOperations } from '../../shared/memberships/membership-operations';
import { MembershipRegistry } from '../../shared/registry/membership-registry';
import type { TenantAdmin } from '../../shared/registry/tenant-admin';
import { DEFAULT_TIERS } from '../../shared/registry/tiers';
import { createTestRegistry } from '../support/registry';

const POOL = 'us-east-1_MembersApi';
const OTHER_POOL = 'us-east-1_OtherPool1';
const ROLES = ['tenant-admin', 'tenant-member'];
const ANN = 'a0000000-0000-4000-8000-00000000000a'; // admin of acme, member of globex
const BEN = 'b0000000-0000-4000-8000-00000000000b'; // member of acme
const CAT = 'c0000000-0000-4000-8000-00000000000c'; // admin of globex
const DAN = 'd0000000-0000-4000-8000-00000000000d'; // member of initech only (not yet in acme)
const EVE = 'e0000000-0000-4000-8000-00000000000e'; // a user of another pool

/**
 * An in-memory user pool for the Cognito side of the operations: `custom:tenantId` per user name and the
 * users `AdminGetUser` finds by e-mail address. Records every write, so a refusal can be shown to write none.
 */
class MemoryPool {
  readonly tenantIds = new Map<string, string | undefined>();
  readonly writes: string[] = [];
  readonly byEmail = new Map<string, DirectoryUser>();

  async setTenantId(userPoolId: string, username: string, tenantId: string) {
    this.writes.push(`${userPoolId}/${username}=${tenantId}`);
    this.tenantIds.set(username, tenantId === '' ? undefined : tenantId);
  }
  async clearTenantId(userPoolId: string, username: string) {
    await this.setTenantId(userPoolId, username, '');
  }
  async getUser(userPoolId: string, username: string) {
    return userPoolId === POOL ? this.byEmail.get(username) : undefined;
  }
}

describe('members API over the registry (DynamoDB Local)', () => {
  let registry: TenantAdmin;
  let pool: MemoryPool;
  let api: MembersApiHandler;

  beforeEach(async () => {
    const test = await createTestRegistry();
    registry = test.registry;
    pool = new MemoryPool();
    for (const [tenantId, name] of [
      ['acme', 'Acme'],
      ['globex', 'Globex'],
      ['initech', 'Initech'],
    ] as const) {
      await registry.createTenant({ tenantId, name, tier: 'standard' });
    }
    const join = (tenantId: string, sub: string, role: string, userPoolId = POOL) =>
      registry.addMember({ tenantId, sub, role, source: 'invite', directoryUser: { userPoolId, username: sub } });
    await join('acme', ANN, 'tenant-admin');
    await join('globex', ANN, 'tenant-member');
    await join('acme', BEN, 'tenant-member');
    await join('globex', CAT, 'tenant-admin');
    await join('initech', DAN, 'tenant-admin');
    await join('initech', EVE, 'tenant-member', OTHER_POOL);
    pool.byEmail.set('dan@initech.example', { username: DAN, sub: DAN, tenantIdAttribute: 'initech' });
    const base = { client: test.client, tableName: test.tableName, tiers: DEFAULT_TIERS };
    api = createMembersApi({
      operationsFor: (sub) =>
        new MembershipOperations({
          registry: new MembershipRegistry({ ...base, audit: { actor: `user:${sub}`, retentionDays: 0 } }),
          directory: pool,
          roleGroups: ROLES,
        }),
      users: new MembershipRegistry(base),
      directory: pool,
      roleGroups: ROLES,
      adminRole: 'tenant-admin',
    });
  });

  /** The authorizer context of a caller in `tenantId` with these groups. */
  const as = (sub: string, tenantId: string, groups = 'tenant-member') => ({ sub, tenantId, groups, tier: 'standard' });
  const call = (routeKey: string, context: MembersRequest['context'], extra: Partial<MembersRequest> = {}) =>
    api({ routeKey, context, pathParameters: undefined, body: undefined, ...extra });
  const json = (value: unknown) => JSON.stringify(value);

  /** Everything a refused request must leave as it was: memberships, active tenants, seats, pool writes. */
  async function state() {
    const users = await Promise.all([ANN, BEN, CAT, DAN, EVE].map((sub) => registry.listMemberships(sub)));
    const tenants = await Promise.all(['acme', 'globex', 'initech'].map((id) => registry.getTenant(id)));
    return json({ users, seats: tenants.map((tenant) => tenant?.seats), writes: pool.writes });
  }

  describe('GET /me/tenants', () => {
    it('lists the caller’s memberships with name, role and which one is active', async () => {
      // Act
      const answer = await call('GET /me/tenants', as(ANN, 'acme', 'tenant-admin'));

      // Assess
      expect(answer).toEqual({
        statusCode: 200,
        body: {
          activeTenantId: 'acme',
          tenants: [
            { tenantId: 'acme', name: 'Acme', role: 'tenant-admin', tenantStatus: 'active', active: true },
            { tenantId: 'globex', name: 'Globex', role: 'tenant-member', tenantStatus: 'active', active: false },
          ],
        },
      });
    });

    it('refuses a body, and a context without a verified caller', async () => {
      // Act
      const withBody = await call('GET /me/tenants', as(ANN, 'acme'), { body: '{"sub":"x"}' });
      const noCaller = await call('GET /me/tenants', { tenantId: 'acme' });

      // Assess
      expect(withBody).toMatchObject({ statusCode: 400, body: { message: 'this request takes no body' } });
      expect(noCaller).toMatchObject({ statusCode: 403, body: { message: 'Forbidden.' } });
    });
  });

  describe('PUT /me/active-tenant', () => {
    it('switches the caller (the context sub, never the body) and says to refresh the tokens', async () => {
      // Act
      const answer = await call('PUT /me/active-tenant', as(ANN, 'acme', 'tenant-admin'), {
        body: json({ tenantId: 'globex' }),
      });

      // Assess
      expect(answer).toMatchObject({
        statusCode: 200,
        body: {
          activeTenantId: 'globex',
          previousTenantId: 'acme',
          changed: true,
          next: { action: 'refresh-tokens', clientMetadata: { tenantId: 'globex' } },
        },
      });
      expect(await registry.getUserTenantId(ANN)).toBe('globex');
      expect(pool.tenantIds.get(ANN)).toBe('globex');
      const audit = await registry.listAudit('globex', { sub: ANN });
      expect(audit.entries[0]).toMatchObject({
        action: 'active-tenant-changed',
        reason: 'user-request',
        actor: `user:${ANN}`,
        detail: { from: 'acme', to: 'globex' },
      });
    });

    it('answers a tenant the caller does not belong to exactly like an unknown one, changing nothing', async () => {
      // Prepare
      const before = await state();

      // Act
      const foreign = await call('PUT /me/active-tenant', as(BEN, 'acme'), { body: json({ tenantId: 'globex' }) });
      const unknown = await call('PUT /me/active-tenant', as(BEN, 'acme'), { body: json({ tenantId: 'umbrella' }) });

      // Assess
      expect(foreign.statusCode).toBe(404);
      expect(json(foreign.body)).toBe(json(unknown.body));
      expect(unknown.statusCode).toBe(404);
      expect(await state()).toBe(before);
    });

    it.each([
      ['no body', undefined, /body must be a JSON object with tenantId/],
      ['invalid JSON', '{', /not valid JSON/],
      ['an array', '["globex"]', /body must be a JSON object/],
      ['a missing tenantId', '{}', /"tenantId" is required/],
      ['another user named in the body', json({ tenantId: 'globex', sub: BEN }), /unknown field "sub"/],
      ['a malformed tenant id', json({ tenantId: 'GLOBEX#x' }), /not a well-formed tenant id/],
      ['a tenant id that is not a string', json({ tenantId: 7 }), /not a well-formed tenant id/],
      ['an oversized body', json({ tenantId: 'x'.repeat(5000) }), /at most 4096 characters/],
    ])('refuses %s with 400 and a clear message, changing nothing', async (_name, body, message) => {
      // Prepare
      const before = await state();

      // Act
      const answer = await call('PUT /me/active-tenant', as(ANN, 'acme', 'tenant-admin'), { body });

      // Assess
      expect(answer.statusCode).toBe(400);
      expect((answer.body as { message: string }).message).toMatch(message);
      expect(await state()).toBe(before);
    });
  });

  describe('members of a tenant (tenant admins only)', () => {
    const admin = as(ANN, 'acme', 'tenant-admin');
    const path = (sub?: string) => ({ tenantId: 'acme', ...(sub === undefined ? {} : { sub }) });

    it('adds an existing user of the admin’s pool by sub, or by e-mail address, taking a seat', async () => {
      // Act
      const bySub = await call('POST /tenants/{tenantId}/members', admin, {
        pathParameters: path(),
        body: json({ sub: CAT, role: 'tenant-member' }),
      });
      const byEmail = await call('POST /tenants/{tenantId}/members', admin, {
        pathParameters: path(),
        body: json({ email: 'dan@initech.example', role: 'tenant-admin' }),
      });
      const again = await call('POST /tenants/{tenantId}/members', admin, {
        pathParameters: path(),
        body: json({ sub: CAT, role: 'tenant-admin' }),
      });

      // Assess
      expect(bySub).toEqual({
        statusCode: 201,
        body: { membership: { tenantId: 'acme', sub: CAT, role: 'tenant-member', status: 'active' } },
      });
      expect(byEmail).toMatchObject({ statusCode: 201, body: { membership: { sub: DAN, role: 'tenant-admin' } } });
      expect(again).toMatchObject({ statusCode: 200, body: { membership: { sub: CAT, role: 'tenant-member' } } });
      expect((await registry.getTenant('acme'))?.seats).toBe(4);
      // Their active tenants stay where they were: adding a membership moves nobody.
      expect(await registry.getUserTenantId(CAT)).toBe('globex');
    });

    it('changes a role and removes a member, each recorded with the admin as actor', async () => {
      // Act
      const promoted = await call('PUT /tenants/{tenantId}/members/{sub}', admin, {
        pathParameters: path(BEN),
        body: json({ role: 'tenant-admin' }),
      });
      const removed = await call('DELETE /tenants/{tenantId}/members/{sub}', admin, { pathParameters: path(BEN) });
      const removedAgain = await call('DELETE /tenants/{tenantId}/members/{sub}', admin, {
        pathParameters: path(BEN),
      });

      // Assess
      expect(promoted).toMatchObject({ statusCode: 200, body: { membership: { sub: BEN, role: 'tenant-admin' } } });
      expect(removed).toEqual({ statusCode: 204, body: null });
      expect(removedAgain.statusCode).toBe(404);
      expect(await registry.getMembership('acme', BEN)).toBeUndefined();
      // Ben had no other membership: his active tenant is cleared, in the registry and in the pool.
      expect(await registry.getUserTenantId(BEN)).toBeUndefined();
      expect(pool.tenantIds.get(BEN)).toBeUndefined();
      const audit = await registry.listAudit('acme', { sub: BEN });
      expect(audit.entries.map((entry) => [entry.action, entry.reason, entry.actor])).toEqual([
        ['member-removed', 'tenant-admin-request', `user:${ANN}`],
        ['role-changed', 'tenant-admin-request', `user:${ANN}`],
        ['member-assigned', 'invitation', 'unattributed'],
      ]);
    });

    it('refuses to demote or remove the last tenant admin (409), changing nothing', async () => {
      // Prepare
      const before = await state();

      // Act
      const demote = await call('PUT /tenants/{tenantId}/members/{sub}', admin, {
        pathParameters: path(ANN),
        body: json({ role: 'tenant-member' }),
      });
      const remove = await call('DELETE /tenants/{tenantId}/members/{sub}', admin, { pathParameters: path(ANN) });

      // Assess
      for (const answer of [demote, remove]) {
        expect(answer).toMatchObject({
          statusCode: 409,
          body: { message: 'An organization must keep at least one administrator.' },
        });
      }
      expect(await state()).toBe(before);
    });

    it.each([
      ['a member (route rule bypassed)', as(BEN, 'acme', 'tenant-member'), 'acme', 403],
      ['an admin of another tenant, on this tenant’s path', as(CAT, 'globex', 'tenant-admin'), 'acme', 403],
      // The token says tenant-admin, the registry says member: the operation checks the registry.
      ['a member whose token still says tenant-admin', as(BEN, 'acme', 'tenant-admin'), 'acme', 403],
    ])('refuses %s, changing nothing', async (_name, context, tenantId, status) => {
      // Prepare
      const before = await state();

      // Act
      const answers = await Promise.all([
        call('POST /tenants/{tenantId}/members', context, {
          pathParameters: { tenantId },
          body: json({ sub: DAN, role: 'tenant-member' }),
        }),
        call('PUT /tenants/{tenantId}/members/{sub}', context, {
          pathParameters: { tenantId, sub: ANN },
          body: json({ role: 'tenant-member' }),
        }),
        call('DELETE /tenants/{tenantId}/members/{sub}', context, { pathParameters: { tenantId, sub: ANN } }),
      ]);

      // Assess
      for (const answer of answers)
        expect(answer).toMatchObject({ statusCode: status, body: { message: 'Forbidden.' } });
      expect(await state()).toBe(before);
    });

    it.each([
      ['a user of another pool', json({ sub: EVE, role: 'tenant-member' }), 404, /Not found/],
      [
        'a sub nobody holds',
        json({ sub: 'f0000000-0000-4000-8000-00000000000f', role: 'tenant-member' }),
        404,
        /Not found/,
      ],
      ['an unknown e-mail address', json({ email: 'nobody@acme.example', role: 'tenant-member' }), 404, /Not found/],
      [
        'an unknown role',
        json({ sub: DAN, role: 'platform-admin' }),
        400,
        /"role" must be one of tenant-admin, tenant-member/,
      ],
      [
        'both sub and email',
        json({ sub: DAN, email: 'dan@initech.example', role: 'tenant-member' }),
        400,
        /exactly one of sub, email/,
      ],
      ['neither sub nor email', json({ role: 'tenant-member' }), 400, /exactly one of sub, email/],
      ['a missing role', json({ sub: DAN }), 400, /"role" is required/],
      ['a malformed sub', json({ sub: 'x/../y', role: 'tenant-member' }), 400, /"sub" must be a user's sub/],
      ['a malformed address', json({ email: 'not-an-address', role: 'tenant-member' }), 400, /e-mail address/],
      [
        'a tenant field',
        json({ sub: DAN, role: 'tenant-member', tenantId: 'globex' }),
        400,
        /unknown field "tenantId"/,
      ],
    ])('refuses to add %s with a clear error, changing nothing', async (_name, body, status, message) => {
      // Prepare
      const before = await state();

      // Act
      const answer = await call('POST /tenants/{tenantId}/members', admin, { pathParameters: path(), body });

      // Assess
      expect(answer.statusCode).toBe(status);
      expect((answer.body as { message: string }).message).toMatch(message);
      expect(await state()).toBe(before);
    });

    it.each([
      ['an unknown role', 'PUT', BEN, json({ role: 'owner' }), 400],
      ['an extra field', 'PUT', BEN, json({ role: 'tenant-admin', status: 'active' }), 400],
      ['a malformed sub in the path', 'PUT', 'x#y', json({ role: 'tenant-admin' }), 400],
      ['a body on delete', 'DELETE', BEN, json({ force: true }), 400],
      ['a malformed sub on delete', 'DELETE', '', undefined, 400],
      ['a user who is not a member', 'PUT', DAN, json({ role: 'tenant-admin' }), 404],
      ['removing a user who is not a member', 'DELETE', DAN, undefined, 404],
    ])('refuses %s, changing nothing', async (_name, method, sub, body, status) => {
      // Prepare
      const before = await state();

      // Act
      const answer = await call(`${method} /tenants/{tenantId}/members/{sub}`, admin, {
        pathParameters: path(sub),
        body,
      });

      // Assess
      expect(answer.statusCode).toBe(status);
      expect(await state()).toBe(before);
    });
  });

  it('answers 404 to a route it does not serve', async () => {
    // Act
    const answer = await call('GET /tenants/{tenantId}/members', as(ANN, 'acme', 'tenant-admin'));

    // Assess
    expect(answer).toEqual({ statusCode: 404, body: { message: 'Not found.' } });
  });
});
