import { afterAll, describe, expect, it, vi } from 'vitest';
import { coldStart } from '../support/cold-start';

type Handler = typeof import('../../functions/documents')['handler'];

// Endpoints on a closed local port: these cases must answer before any data call.
const LOCAL = {
  TENANCY_LOCAL_CREDENTIALS: 'true',
  AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
  TENANCY_DATA_TABLE_NAME: 'tenant-data',
  TENANCY_DATA_BUCKET_NAME: 'tenant-data',
  // The registry (policy store records, memberships): every route is decided by Cedar.
  TENANCY_TABLE_NAME: 'registry',
};

const load = (env: Record<string, string>) =>
  coldStart(async () => (await import('../../functions/documents')).handler, env);

// An HTTP API payload 2.0 event; the authorizer context gets the tier and claims version the authorizer passes.
const event = (routeKey: string, lambda: Record<string, string> | undefined, pathTenantId = 'acme') =>
  ({
    version: '2.0',
    routeKey,
    pathParameters: { tenantId: pathTenantId },
    requestContext: {
      authorizer: lambda === undefined ? undefined : { lambda: { tier: 'standard', claimsVersion: '1', ...lambda } },
    },
  }) as unknown as Parameters<Handler>[0];

// coldStart stubs the environment; restore it for the other files in this worker.
afterAll(() => vi.unstubAllEnvs());

describe('documents function', () => {
  it('answers 404 for a route key it does not serve and 403 without a verified tenant, before any data call', async () => {
    // Prepare
    const handler = await load(LOCAL);

    // Act
    const unknown = await handler(
      event('PUT /tenants/{tenantId}/documents/{documentId}', { tenantId: 'acme', sub: 's' }),
    );
    const noTenant = await handler(event('GET /tenants/{tenantId}/documents', undefined));

    // Assess
    expect(unknown).toMatchObject({ statusCode: 404, body: JSON.stringify({ message: 'Not found.' }) });
    expect(noTenant).toMatchObject({ statusCode: 403, headers: { 'content-type': 'application/json' } });
  });

  it('reads the caller through tenantContext(event): an ill-formed or version-less context is 403 before any data call', async () => {
    // Prepare
    const handler = await load(LOCAL);
    const list = 'GET /tenants/{tenantId}/documents';

    // Act
    const answers = await Promise.all([
      handler(event(list, { tenantId: 'acme*', sub: 'sub-ann', groups: '' })),
      handler(event(list, { tenantId: 'acme', sub: 'sub-ann', groups: '', claimsVersion: '' })),
      handler(event(list, { tenantId: 'acme', sub: 'sub-ann', groups: ',' })),
      handler({ ...event(list, { tenantId: 'acme', sub: 'sub-ann', groups: '' }), version: '1.1' }),
    ]);

    // Assess
    expect(answers.map((answer) => answer.statusCode)).toEqual([403, 403, 403, 403]);
    expect(answers.map((answer) => answer.body)).toEqual(Array(4).fill(JSON.stringify({ message: 'Forbidden.' })));
  });

  it("passes the path's tenant to the service: another tenant's path is 404 before any data call, its own path is served", async () => {
    // Prepare: the registry and data endpoints are a closed port, so a served request fails as unavailable.
    const handler = await load(LOCAL);
    const acme = { tenantId: 'acme', sub: 'sub-ann', groups: 'tenant-member' };

    // Act
    const foreign = await handler(event('GET /tenants/{tenantId}/documents', acme, 'globex'));
    const own = await handler(event('GET /tenants/{tenantId}/documents', acme, 'acme'));

    // Assess
    expect(foreign).toMatchObject({ statusCode: 404, body: JSON.stringify({ message: 'Not found.' }) });
    expect(own.statusCode).toBe(503);
  });

  it('starts with its metadata in PostgreSQL without reaching the database, and answers 503 while the data is unavailable', async () => {
    // Prepare: the database, like every endpoint here, is a closed local port.
    const postgres = {
      TENANCY_POSTGRES_HOST: '127.0.0.1',
      TENANCY_POSTGRES_PORT: '9',
      TENANCY_POSTGRES_DATABASE: 'tenancy',
      TENANCY_POSTGRES_AUTH: 'local-password',
      TENANCY_POSTGRES_LOCAL_SECRET: 'a-local-secret-of-some-length',
    };
    const handler = await load({ ...LOCAL, ...postgres });

    // Act
    const own = await handler(
      event('GET /tenants/{tenantId}/documents', { tenantId: 'acme', sub: 'sub-ann', groups: 'tenant-member' }),
    );

    // Assess
    expect(own.statusCode).toBe(503);
  });

  it('refuses to start with local database passwords against a host other than the loopback interface', async () => {
    // Act
    const started = load({
      ...LOCAL,
      TENANCY_POSTGRES_HOST: 'db.example.com',
      TENANCY_POSTGRES_DATABASE: 'tenancy',
      TENANCY_POSTGRES_AUTH: 'local-password',
      TENANCY_POSTGRES_LOCAL_SECRET: 'a-local-secret-of-some-length',
    });

    // Assess
    await expect(started).rejects.toThrow(/TENANCY_POSTGRES_AUTH/);
  });

  it('refuses to start with static credentials unless the data endpoints are on the loopback interface', async () => {
    // Act
    const started = load({ ...LOCAL, AWS_ENDPOINT_URL_S3: 'https://s3.us-east-1.amazonaws.com' });

    // Assess
    await expect(started).rejects.toThrow(/TENANCY_LOCAL_CREDENTIALS/);
  });

  it('refuses to start with an unknown policy engine', async () => {
    // Act
    const started = load({ ...LOCAL, TENANCY_POLICY_ENGINE: 'opa' });

    // Assess
    await expect(started).rejects.toThrow(/TENANCY_POLICY_ENGINE/);
  });
});
