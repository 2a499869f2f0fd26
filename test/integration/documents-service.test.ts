import { randomUUID } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createTenantDataTable, LOCAL_CREDENTIALS, localDynamoDBClient } from '../../local/dynamodb-local';
import { type LocalS3, startLocalS3 } from '../../local/s3rver';
import { StaticCredentials } from '../../shared/credentials/static-credentials';
import { TenantClients } from '../../shared/credentials/tenant-clients';
import type { TenantCredentialSource } from '../../shared/credentials/tenant-credential-source';
import type { DocumentMetadata } from '../../shared/documents/document';
import {
  type DocumentDecider,
  type DocumentDecisionRequest,
  tenantMembersDecide,
} from '../../shared/documents/document-decision';
import type { DocumentMetadataStore } from '../../shared/documents/document-metadata-store';
import { DocumentStore } from '../../shared/documents/document-store';
import { type DocumentsRequest, DocumentsService } from '../../shared/documents/documents-service';
import { PostgresDocumentMetadata } from '../../shared/documents/postgres-document-metadata';
import { provisionTenantRole } from '../../shared/operations/tenant-database-role';
import { localTenantPassword } from '../../shared/postgres/local-password';
import { LocalPasswords } from '../../shared/postgres/local-passwords';
import { TenantPools } from '../../shared/postgres/tenant-pools';
import { TRIGGER_CLIENT_LIMITS } from '../../shared/runtime/dynamodb-client';
import { CredentialsUnavailableError } from '../../shared/runtime/errors';
import { authorizerCaller } from '../support/documents-caller';
import { startTenantDatabase, type TenantDatabase } from '../support/postgres';

// The service core on DynamoDB Local and s3rver with static local credentials, as on the local stack, with the
// metadata in DynamoDB and then in PostgreSQL (same suite, both stores). The emulators cannot enforce the
// session tag: here the tests check that every data call is made with the credentials of the caller's tenant;
// tenant-data-policies.test.ts proves what IAM does with them. PostgreSQL does enforce its side: each tenant
// signs in as its own role, confined by row level security (postgres-isolation.test.ts).
const tableName = `tenant-data-${randomUUID()}`;
const bucketName = `tenant-data-${randomUUID().slice(0, 8)}`;
let s3: LocalS3;
let raw: { dynamodb: ReturnType<typeof localDynamoDBClient>; s3: S3Client };
let database: TenantDatabase;
const openPools: TenantPools[] = [];

const ann = { tenantId: 'acme', sub: 'sub-ann', groups: 'tenant-member' };
const bob = { tenantId: 'acme', sub: 'sub-bob', groups: 'tenant-member' };
const gus = { tenantId: 'globex', sub: 'sub-gus', groups: 'tenant-admin' };

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  raw = { dynamodb: localDynamoDBClient(endpoint), s3: undefined as unknown as S3Client };
  await createTenantDataTable(raw.dynamodb, tableName);
  s3 = await startLocalS3([bucketName]);
  raw.s3 = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
  // The tenant clients find the emulators the way the functions do: through the SDK's endpoint variables.
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', endpoint);
  vi.stubEnv('AWS_ENDPOINT_URL_S3', s3.endpoint);
  database = await startTenantDatabase(['acme', 'globex']);
});

afterAll(async () => {
  await Promise.all(openPools.map((pools) => pools.end()));
  await database?.stop();
  vi.unstubAllEnvs();
  raw?.dynamodb.destroy();
  raw?.s3?.destroy();
  await s3?.stop();
});

/** Where a suite run keeps metadata, and how a test reads a stored document's owner behind the service's back. */
interface MetadataBackend {
  readonly name: string;
  metadata(source: TenantCredentialSource): DocumentMetadataStore | undefined;
  storedOwner(tenantId: string, id: string): Promise<string | undefined>;
  /** What `tenants create` does for a new tenant with this store (PostgreSQL: its database role). */
  provision(tenantId: string): Promise<void>;
}

const BACKENDS: MetadataBackend[] = [
  {
    name: 'DynamoDB',
    metadata: () => undefined,
    provision: async () => {},
    storedOwner: async (tenantId, id) => {
      const { Item } = await raw.dynamodb.send(
        new GetItemCommand({ TableName: tableName, Key: { tenantId: { S: tenantId }, sk: { S: `DOC#${id}` } } }),
      );
      return Item?.owner?.S;
    },
  },
  {
    name: 'PostgreSQL',
    // The IAM signer signs with the tenant's credentials; the local signer is asked after them likewise, so the
    // credentials each data call used are recorded, and their failure fails the call, as in AWS.
    metadata: (source) => {
      const local = new LocalPasswords(database.secret);
      const scoped = new TenantPools({
        host: database.server.host,
        port: database.server.port,
        database: database.server.database,
        tls: false,
        maxTenants: 10,
        connectionsPerTenant: 2,
        idleSeconds: 30,
        passwords: {
          passwordFor: async (tenantId) => {
            await source.credentialsFor(tenantId);
            return local.passwordFor(tenantId);
          },
        },
      });
      openPools.push(scoped);
      return new PostgresDocumentMetadata(scoped);
    },
    provision: async (tenantId) => {
      await provisionTenantRole(database.admin, tenantId, {
        kind: 'password',
        password: localTenantPassword(database.secret, tenantId),
      });
    },
    storedOwner: async (tenantId, id) => {
      const { rows } = await database.admin.query<{ owner: string }>(
        'SELECT owner FROM tenancy.documents WHERE tenant_id = $1 AND id = $2',
        [tenantId, id],
      );
      return rows[0]?.owner;
    },
  },
];

describe.each(BACKENDS)('DocumentsService with metadata in $name, bodies in s3rver', (backend) => {
  /** A service over the emulators; records the tenant of every credentials request and every decision. */
  function setup(options: { decide?: DocumentDecider; source?: TenantCredentialSource } = {}) {
    const asked: string[] = [];
    const decisions: DocumentDecisionRequest[] = [];
    const local = options.source ?? new StaticCredentials(LOCAL_CREDENTIALS);
    const source: TenantCredentialSource = {
      credentialsFor: (tenantId) => {
        asked.push(tenantId);
        return local.credentialsFor(tenantId);
      },
    };
    const clients = new TenantClients({ source, cacheSize: 10, limits: TRIGGER_CLIENT_LIMITS, s3ForcePathStyle: true });
    const decide = options.decide ?? tenantMembersDecide;
    const service = new DocumentsService({
      store: (() => {
        const metadata = backend.metadata(source);
        return new DocumentStore({ clients, tableName, bucketName, ...(metadata === undefined ? {} : { metadata }) });
      })(),
      decide: (request) => {
        decisions.push(request);
        return decide(request);
      },
    });
    // A request names the caller's own tenant in its path unless the test says otherwise.
    const handle = (request: TestRequest) => service.handle({ pathTenantId: tenantOf(request.caller), ...request });
    const create = (context: object, title = 'Plan', content = 'hello') =>
      handle({ route: 'create', caller: authorizerCaller({ ...context }), body: JSON.stringify({ title, content }) });
    return { service: { handle }, asked, decisions, create };
  }

  type TestRequest = Omit<DocumentsRequest, 'pathTenantId'> & { readonly pathTenantId?: string };
  const tenantOf = (caller: TestRequest['caller']) => ('tenantId' in caller ? caller.tenantId : undefined);

  const idOf = (response: { body: unknown }) => (response.body as DocumentMetadata).id;

  it("stores metadata in the tenant's partition and the body under the tenant's prefix", async () => {
    // Prepare
    const { create, asked } = setup();

    // Act
    const created = await create(ann, 'Q3 plan', 'ship it');

    // Assess
    expect(created.statusCode).toBe(201);
    const document = created.body as DocumentMetadata;
    expect(document).toMatchObject({ tenantId: 'acme', title: 'Q3 plan', owner: 'sub-ann', size: 7 });
    expect(await backend.storedOwner('acme', document.id)).toBe('sub-ann');
    const object = await raw.s3.send(
      new GetObjectCommand({ Bucket: bucketName, Key: `acme/documents/${document.id}` }),
    );
    expect(await object.Body?.transformToString()).toBe('ship it');
    expect(new Set(asked)).toEqual(new Set(['acme']));
  });

  it('reads a document back with its body', async () => {
    // Prepare
    const { service, create } = setup();
    const id = idOf(await create(ann, 'Notes', 'line one'));

    // Act
    const read = await service.handle({ route: 'get', caller: authorizerCaller(bob), documentId: id });

    // Assess
    expect(read).toMatchObject({
      statusCode: 200,
      body: { id, owner: 'sub-ann', title: 'Notes', content: 'line one' },
    });
  });

  it("answers 404 for another tenant's document id, looking only in the caller's own partition", async () => {
    // Prepare
    const { service, create, asked } = setup();
    const id = idOf(await create(ann));
    asked.length = 0;

    // Act
    const read = await service.handle({ route: 'get', caller: authorizerCaller(gus), documentId: id });

    // Assess
    expect(read).toMatchObject({ statusCode: 404, body: { message: 'Document not found.' } });
    expect(asked).toEqual(['globex']);
  });

  it('answers 404 without any credentials, decision or data call when the path names another tenant', async () => {
    // Prepare: acme's caller; the authorizer would refuse these paths, the service refuses them again.
    const { service, create, asked, decisions } = setup();
    const id = idOf(await create(ann));
    asked.length = 0;
    decisions.length = 0;
    const body = JSON.stringify({ title: 'planted', content: 'x' });

    // Act: an existing other tenant, a tenant that does not exist, a case variant, no path tenant at all.
    const answers = await Promise.all([
      service.handle({ route: 'get', caller: authorizerCaller(ann), pathTenantId: 'globex', documentId: id }),
      service.handle({ route: 'get', caller: authorizerCaller(ann), pathTenantId: 'no-such-tenant', documentId: id }),
      service.handle({ route: 'list', caller: authorizerCaller(ann), pathTenantId: 'globex' }),
      service.handle({ route: 'create', caller: authorizerCaller(ann), pathTenantId: 'ACME', body }),
      service.handle({ route: 'list', caller: authorizerCaller(ann), pathTenantId: undefined }),
    ]);

    // Assess: one indistinguishable answer, and nothing was read or written for anyone.
    expect(answers).toEqual(Array(5).fill({ statusCode: 404, body: { message: 'Not found.' } }));
    expect(asked).toEqual([]);
    expect(decisions).toEqual([]);
    const own = await service.handle({ route: 'get', caller: authorizerCaller(ann), documentId: id });
    expect(own.statusCode).toBe(200);
  });

  it('answers 404, not 500, for a document whose metadata exists but whose body object is gone', async () => {
    // Prepare
    const { service, create } = setup();
    const id = idOf(await create(ann, 'Doomed', 'body'));
    await raw.s3.send(new DeleteObjectCommand({ Bucket: bucketName, Key: `acme/documents/${id}` }));

    // Act
    const read = await service.handle({ route: 'get', caller: authorizerCaller(bob), documentId: id });

    // Assess
    expect(read).toEqual({ statusCode: 404, body: { message: 'Document not found.' } });
  });

  it("pages through a tenant's documents with a cursor and never lists another tenant's", async () => {
    // Prepare
    const { service, create } = setup();
    const tenant = { tenantId: `pager-${randomUUID().slice(0, 8)}`, sub: 'sub-pat', groups: '' };
    await backend.provision(tenant.tenantId);
    const ids = [];
    for (const title of ['a', 'b', 'c']) ids.push(idOf(await create(tenant, title)));
    await create(gus, 'not yours');

    // Act
    const first = await service.handle({ route: 'list', caller: authorizerCaller(tenant), query: { limit: '2' } });
    const cursor = (first.body as { nextCursor?: string }).nextCursor;
    const second = await service.handle({
      route: 'list',
      caller: authorizerCaller(tenant),
      query: { limit: '2', cursor },
    });

    // Assess
    const firstIds = (first.body as { documents: DocumentMetadata[] }).documents.map((document) => document.id);
    const secondIds = (second.body as { documents: DocumentMetadata[] }).documents.map((document) => document.id);
    expect(firstIds).toHaveLength(2);
    expect(cursor).toEqual(expect.any(String));
    expect([...firstIds, ...secondIds].sort()).toEqual([...ids].sort());
  });

  it("keeps a cursor forged from another tenant's document id inside the caller's own partition", async () => {
    // Prepare: a cursor is base64url of a document id; a globex user builds one from an id of acme's.
    const { service, create, asked } = setup();
    const acmeId = idOf(await create(ann, 'acme only'));
    const globex = { tenantId: `forger-${randomUUID().slice(0, 8)}`, sub: 'sub-gus', groups: '' };
    await backend.provision(globex.tenantId);
    const own = idOf(await create(globex, 'mine'));
    asked.length = 0;

    // Act
    const answer = await service.handle({
      route: 'list',
      caller: authorizerCaller(globex),
      query: { cursor: Buffer.from(acmeId).toString('base64url') },
    });

    // Assess: at most the caller's own documents, read with the caller's credentials only.
    expect(answer.statusCode).toBe(200);
    const listed = (answer.body as { documents: DocumentMetadata[] }).documents;
    expect(listed.every((document) => document.tenantId === globex.tenantId)).toBe(true);
    expect(listed.map((document) => document.id)).not.toContain(acmeId);
    expect(listed.map((document) => document.id)).toEqual(own > acmeId ? [own] : []);
    expect(asked).not.toContain('acme');
  });

  it('refuses cursors and limits it did not issue', async () => {
    // Prepare
    const { service } = setup();

    // Act
    const answers = await Promise.all(
      [
        { cursor: 'not-a-cursor' },
        { cursor: Buffer.from('DOC#x').toString('base64url') },
        { limit: '0' },
        { limit: '101' },
        { limit: 'ten' },
      ].map((query) => service.handle({ route: 'list', caller: authorizerCaller(ann), query })),
    );

    // Assess
    expect(answers.map((answer) => answer.statusCode)).toEqual([400, 400, 400, 400, 400]);
  });

  it('asks the decision seam once per route with caller, action and document, and obeys a refusal', async () => {
    // Prepare: only owners may read; nobody may create titles starting with "secret".
    const { service, create, decisions } = setup({
      decide: ({ caller, action, document }) =>
        action === 'create'
          ? !document?.title.startsWith('secret')
          : action === 'read'
            ? document?.owner === caller.sub
            : true,
    });
    const tenant = { tenantId: `seam-${randomUUID().slice(0, 8)}`, sub: 'sub-own', groups: 'tenant-member' };
    await backend.provision(tenant.tenantId);
    const colleague = { ...tenant, sub: 'sub-col' };
    const id = idOf(await create(tenant, 'mine'));

    // Act
    const refusedCreate = await create(tenant, 'secret plan');
    const ownerRead = await service.handle({ route: 'get', caller: authorizerCaller(tenant), documentId: id });
    const colleagueRead = await service.handle({ route: 'get', caller: authorizerCaller(colleague), documentId: id });
    const colleagueList = await service.handle({ route: 'list', caller: authorizerCaller(colleague) });

    // Assess
    expect(refusedCreate.statusCode).toBe(403);
    expect(ownerRead.statusCode).toBe(200);
    expect(colleagueRead).toMatchObject({ statusCode: 403, body: { message: 'Forbidden.' } });
    expect(colleagueList).toMatchObject({ statusCode: 200, body: { documents: [] } });
    expect(decisions[0]).toMatchObject({
      caller: { sub: 'sub-own', tenantId: tenant.tenantId, groups: ['tenant-member'] },
      action: 'create',
      document: { owner: 'sub-own', title: 'mine' },
    });
    expect(decisions.map((decision) => decision.action)).toEqual(['create', 'create', 'read', 'read', 'list', 'read']);
    const listed = await service.handle({ route: 'list', caller: authorizerCaller(tenant) });
    expect((listed.body as { documents: DocumentMetadata[] }).documents.map((document) => document.title)).toEqual([
      'mine',
    ]);
  });

  it('refuses a request whose authorizer context has no well-formed tenant or user, before any data call', async () => {
    // Prepare
    const { service, asked } = setup();
    const requests: TestRequest[] = [
      { route: 'list', caller: authorizerCaller(undefined) },
      { route: 'list', caller: authorizerCaller({ sub: 'sub-ann' }) },
      { route: 'list', caller: authorizerCaller({ tenantId: 'acme/*', sub: 'sub-ann' }) },
      { route: 'list', caller: authorizerCaller({ tenantId: 'acme' }) },
      {
        route: 'create',
        caller: authorizerCaller({ tenantId: 'ACME', sub: 'sub-ann' }),
        body: '{"title":"t","content":"c"}',
      },
    ];

    // Act
    const answers = await Promise.all(requests.map((request) => service.handle(request)));

    // Assess
    expect(answers.map((answer) => answer.statusCode)).toEqual([403, 403, 403, 403, 403]);
    expect(asked).toEqual([]);
  });

  it('rejects malformed bodies with 400 and unknown document ids with 404, before any data call', async () => {
    // Prepare
    const { service, asked } = setup();
    const bodies = [
      'not json',
      '{}',
      '{"title":"","content":"x"}',
      JSON.stringify({ title: 't', content: 'x'.repeat(262_145) }),
    ];

    // Act
    const creates = await Promise.all(
      bodies.map((body) => service.handle({ route: 'create', caller: authorizerCaller(ann), body })),
    );
    const unknown = await service.handle({ route: 'get', caller: authorizerCaller(ann), documentId: '../globex/x' });

    // Assess
    expect(creates.map((answer) => answer.statusCode)).toEqual([400, 400, 400, 400]);
    expect(unknown.statusCode).toBe(404);
    expect(asked).toEqual([]);
  });

  it('fails closed with 503 and a user-safe message when tenant credentials are unavailable', async () => {
    // Prepare
    const { service } = setup({
      source: {
        credentialsFor: async (tenantId) => {
          throw new CredentialsUnavailableError(tenantId, { cause: new Error('sts down') });
        },
      },
    });

    // Act
    const answer = await service.handle({ route: 'list', caller: authorizerCaller(ann) });

    // Assess
    expect(answer).toMatchObject({
      statusCode: 503,
      body: { message: 'The service is temporarily unavailable. Please try again.' },
    });
    expect(answer.error).toBeInstanceOf(CredentialsUnavailableError);
  });
});
