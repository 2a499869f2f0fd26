import { describe, expect, it } from 'vitest';
import { createMembersApiHandler, type MembersApiDeps, type MembersEvent } from '../../shared/members-api/members-api';
import { DirectoryUnavailableError, RegistryUnavailableError, TenancyError } from '../../shared/runtime/errors';

const ANN = 'a0000000-0000-4000-8000-00000000000a';
const context = { sub: ANN, tenantId: 'acme', groups: 'tenant-admin', tier: 'standard' };

/** Operations that record what they were asked and answer as configured; no I/O. */
function fakeDeps(failWith?: unknown) {
  const calls: unknown[][] = [];
  const logged: unknown[][] = [];
  const fail = async () => {
    if (failWith !== undefined) throw failWith;
  };
  const deps: MembersApiDeps & { logger: { info: (...args: unknown[]) => void } } = {
    operationsFor: (sub) => ({
      listTenants: async () => {
        calls.push(['listTenants', sub]);
        await fail();
        return [];
      },
      switchTenant: async (caller, tenantId, options) => {
        calls.push(['switchTenant', caller, tenantId, options]);
        await fail();
        return {
          tenantId,
          previousTenantId: undefined,
          changed: true,
          directory: 'unknown-user',
          next: 'refresh-tokens',
        };
      },
      addMember: async () => {
        throw new Error('not used');
      },
      setRole: async () => {
        throw new Error('not used');
      },
      removeMember: async (_actor, tenantId, target) => {
        calls.push(['removeMember', tenantId, target]);
        await fail();
        return {
          removed: true,
          membership: undefined,
          activeTenantId: undefined,
          activeChanged: false,
          directoryUser: undefined,
          directory: 'unchanged',
        };
      },
    }),
    users: { listMemberships: async () => ({ directoryUser: undefined }) },
    directory: { getUser: async () => undefined },
    roleGroups: ['tenant-admin', 'tenant-member'],
    adminRole: 'tenant-admin',
    logger: { info: (...args: unknown[]) => void logged.push(args) },
  };
  return { deps, calls, logged };
}

const event = (routeKey: string, extra: Partial<MembersEvent> = {}) =>
  ({ routeKey, requestContext: { authorizer: { lambda: context } }, ...extra }) as unknown as MembersEvent;

describe('members API Lambda handler (event in, JSON out)', () => {
  it('decodes a base64 body and takes the caller from the authorizer context only', async () => {
    // Prepare
    const { deps, calls } = fakeDeps();
    const handler = createMembersApiHandler(deps);
    const body = Buffer.from(JSON.stringify({ tenantId: 'globex' })).toString('base64');

    // Act
    const answer = await handler(event('PUT /me/active-tenant', { body, isBase64Encoded: true }));

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(String(answer.body))).toMatchObject({
      activeTenantId: 'globex',
      next: { action: 'refresh-tokens', clientMetadata: { tenantId: 'globex' }, customTenantIdWritten: false },
    });
    expect(calls).toEqual([['switchTenant', ANN, 'globex', { tokenTenantId: 'acme' }]]);
  });

  it('takes a null body (serverless-offline) as none, and answers 204 without a body', async () => {
    // Prepare
    const { deps } = fakeDeps();
    const handler = createMembersApiHandler(deps);

    // Act
    const answer = await handler(
      event('DELETE /tenants/{tenantId}/members/{sub}', {
        body: null as unknown as string,
        pathParameters: { tenantId: 'acme', sub: 'b0000000-0000-4000-8000-00000000000b' },
      }),
    );

    // Assess
    expect(answer).toEqual({ statusCode: 204, headers: { 'content-type': 'application/json' } });
  });

  it.each([
    [new RegistryUnavailableError('switchActiveTenant'), 503, 'Try again later.'],
    [new DirectoryUnavailableError('AdminUpdateUserAttributes'), 503, 'Try again later.'],
    [new TenancyError('a bug'), 500, 'The request could not be completed.'],
    [new Error('not ours'), 500, 'The request could not be completed.'],
  ])('answers %s with a generic message and logs only its name and message', async (error, status, message) => {
    // Prepare
    const { deps, logged } = fakeDeps(error);
    const handler = createMembersApiHandler(deps);

    // Act
    const answer = await handler(event('GET /me/tenants'));

    // Assess
    expect(answer.statusCode).toBe(status);
    expect(JSON.parse(String(answer.body))).toEqual({ message });
    expect(logged).toEqual([
      ['members request refused', { statusCode: status, reason: `${error.name}: ${error.message}` }],
    ]);
  });

  it('refuses a request without an authorizer context (a route left unprotected) with 403', async () => {
    // Prepare
    const { deps, calls } = fakeDeps();
    const handler = createMembersApiHandler(deps);

    // Act
    const answer = await handler({ routeKey: 'GET /me/tenants', requestContext: {} } as unknown as MembersEvent);

    // Assess
    expect(answer.statusCode).toBe(403);
    expect(calls).toEqual([]);
  });
});
