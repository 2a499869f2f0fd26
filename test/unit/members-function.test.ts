import { afterAll, describe, expect, it, vi } from 'vitest';
import { coldStart } from '../support/cold-start';

type Handler = typeof import('../../functions/members')['handler'];

// The registry and the pool on a closed local port: a request that reaches them fails as unavailable.
const LOCAL = {
  TENANCY_TABLE_NAME: 'registry',
  AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: 'http://127.0.0.1:9',
};

const load = (env: Record<string, string>) =>
  coldStart(async () => (await import('../../functions/members')).handler, env);

const SUB = 'a0000000-0000-4000-8000-00000000000a';

// An HTTP API payload 2.0 event with the authorizer's context (or none).
const event = (routeKey: string, lambda: Record<string, string> | undefined) =>
  ({
    version: '2.0',
    routeKey,
    body: null,
    requestContext: lambda === undefined ? {} : { authorizer: { lambda } },
  }) as unknown as Parameters<Handler>[0];

// coldStart stubs the environment; restore it for the other files in this worker.
afterAll(() => vi.unstubAllEnvs());

describe('members function', () => {
  it('answers 403 without a verified caller and 404 for a route it does not serve, before any registry call', async () => {
    // Prepare
    const handler = await load(LOCAL);

    // Act
    const anonymous = await handler(event('GET /me/tenants', undefined));
    const unknown = await handler(
      event('GET /tenants/{tenantId}/members', { tenantId: 'acme', sub: SUB, groups: 'tenant-admin', tier: 'free' }),
    );

    // Assess
    expect(anonymous.statusCode).toBe(403);
    expect(unknown.statusCode).toBe(404);
  });

  it("wires the caller's request to the registry: an unreachable registry is a generic 503", async () => {
    // Prepare
    const handler = await load(LOCAL);

    // Act
    const answer = await handler(
      event('GET /me/tenants', { tenantId: 'acme', sub: SUB, groups: 'tenant-member', tier: 'free' }),
    );

    // Assess
    expect(answer.statusCode).toBe(503);
    expect(JSON.parse(String(answer.body))).toEqual({ message: 'Try again later.' });
  });

  it('refuses to start with a role configuration that names no role group', async () => {
    // Act
    const start = load({ ...LOCAL, TENANCY_ADMIN_ROLE: 'owner' });

    // Assess
    await expect(start).rejects.toThrow('"owner" is not one of the role groups');
  });
});
