import { randomUUID } from 'node:crypto';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createTenantDataTable, LOCAL_CREDENTIALS, localDynamoDBClient } from '../../local/dynamodb-local';
import { type LocalS3, startLocalS3 } from '../../local/s3rver';
import { deciderFromEnv } from '../../shared/cedar/decider-from-env';
import { shareDocument } from '../../shared/cedar/sharing/share-document';
import { TenantDataLinks } from '../../shared/cedar/sharing/share-links';
import { EmbeddedPolicyStore } from '../../shared/cedar/stores/embedded-policy-store';
import { readPolicyFiles } from '../../shared/cedar/stores/policy-files';
import { PolicyStoreAdmin } from '../../shared/cedar/stores/policy-store-admin';
import { StaticCredentials } from '../../shared/credentials/static-credentials';
import { TenantClients } from '../../shared/credentials/tenant-clients';
import { cedarDocumentDecider } from '../../shared/documents/cedar-document-decider';
import type { DocumentMetadata } from '../../shared/documents/document';
import { DocumentStore } from '../../shared/documents/document-store';
import { DocumentsService } from '../../shared/documents/documents-service';
import { TRIGGER_CLIENT_LIMITS } from '../../shared/runtime/dynamodb-client';
import { authorizerCaller } from '../support/documents-caller';
import { createTestRegistry } from '../support/registry';

// The documents service decided by Cedar (embedded engine) on DynamoDB Local and s3rver: every route goes
// through decide, and sharing writes the share into the caller's tenant data only.
const tableName = `tenant-data-${randomUUID()}`;
const bucketName = `tenant-data-${randomUUID().slice(0, 8)}`;
let s3: LocalS3;
let service: DocumentsService;
let links: TenantDataLinks;

const olga = { tenantId: 'acme', sub: 'sub-olga', groups: 'tenant-member' };
const colin = { tenantId: 'acme', sub: 'sub-colin', groups: 'tenant-member' };
const ada = { tenantId: 'acme', sub: 'sub-ada', groups: 'tenant-admin' };
const otto = { tenantId: 'globex', sub: 'sub-otto', groups: 'tenant-admin' };

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  const raw = localDynamoDBClient(endpoint);
  await createTenantDataTable(raw, tableName);
  s3 = await startLocalS3([bucketName]);
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', endpoint);
  vi.stubEnv('AWS_ENDPOINT_URL_S3', s3.endpoint);
  const test = await createTestRegistry();
  for (const tenantId of ['acme', 'globex']) {
    await test.registry.createTenant({ tenantId, name: tenantId, tier: 'standard' });
  }
  for (const user of [olga, colin, ada, otto]) {
    await test.registry.addMember({ tenantId: user.tenantId, sub: user.sub, role: 'tenant-member', source: 'invite' });
  }
  const stores = new PolicyStoreAdmin({ client: test.client, tableName: test.tableName });
  for (const tenantId of ['acme', 'globex']) await new EmbeddedPolicyStore(stores).create(tenantId, readPolicyFiles());
  const clients = new TenantClients({
    source: new StaticCredentials(LOCAL_CREDENTIALS),
    cacheSize: 10,
    limits: TRIGGER_CLIENT_LIMITS,
    s3ForcePathStyle: true,
  });
  links = new TenantDataLinks({ clientFor: (tenantId) => clients.forTenant(tenantId).dynamodb, tableName });
  const decider = deciderFromEnv({ TENANCY_POLICY_CACHE_SECONDS: '60' }, { stores, links });
  service = new DocumentsService({
    store: new DocumentStore({ clients, tableName, bucketName }),
    decide: cedarDocumentDecider(decider),
    share: (caller, document, recipient) =>
      shareDocument(
        {
          engine: 'embedded',
          decider,
          stores,
          links,
          isMember: async (tenantId, sub) => (await test.registry.getMembership(tenantId, sub)) !== undefined,
        },
        caller,
        { kind: 'document', id: document.id, tenantId: document.tenantId, ownerSub: document.owner },
        recipient,
      ),
    removeShares: (document) => links.removeDocumentLinks(document.tenantId, document.id),
  });
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await s3?.stop();
});

// Every request names the caller's own tenant in its path, as the authorizer lets through.
type Caller = { readonly tenantId: string; readonly [claim: string]: string };
const create = (context: Caller) =>
  service.handle({
    route: 'create',
    caller: authorizerCaller({ ...context }),
    pathTenantId: context.tenantId,
    body: JSON.stringify({ title: 'Memo', content: 'q4' }),
  });
const get = (context: Caller, documentId: string) =>
  service.handle({
    route: 'get',
    caller: authorizerCaller({ ...context }),
    pathTenantId: context.tenantId,
    documentId,
  });
const list = (context: Caller) =>
  service.handle({
    route: 'list',
    caller: authorizerCaller({ ...context }),
    pathTenantId: context.tenantId,
    query: {},
  });
const remove = (context: Caller, documentId: string) =>
  service.handle({
    route: 'delete',
    caller: authorizerCaller({ ...context }),
    pathTenantId: context.tenantId,
    documentId,
  });
const shareWith = (context: Caller, documentId: string, userId: unknown) =>
  service.handle({
    route: 'share',
    caller: authorizerCaller({ ...context }),
    pathTenantId: context.tenantId,
    documentId,
    body: JSON.stringify({ userId }),
  });

describe('the documents service decided by Cedar', () => {
  it('runs the source scenario: refused, shared by the owner, read; the admin manages; other tenants refused', async () => {
    // Prepare
    const id = ((await create(olga)).body as DocumentMetadata).id;

    // Act
    const before = await get(colin, id);
    const byColin = await shareWith(colin, id, colin.sub);
    const shared = await shareWith(olga, id, colin.sub);
    const after = await get(colin, id);
    const byAdmin = await shareWith(ada, id, colin.sub);
    const adminReads = await get(ada, id);
    const toOtto = await shareWith(olga, id, otto.sub);
    const ottoReads = await get(otto, id);

    // Assess
    expect([before.statusCode, byColin.statusCode, shared.statusCode]).toEqual([403, 403, 201]);
    expect([after.statusCode, (after.body as { content: string }).content]).toEqual([200, 'q4']);
    expect([byAdmin.statusCode, adminReads.statusCode]).toEqual([200, 200]);
    expect([toOtto.statusCode, toOtto.body]).toEqual([404, { message: 'No such user in your organization.' }]);
    expect(ottoReads.statusCode).toBe(404);
    expect((await links.listLinks('acme')).map((link) => link.principalSub)).toEqual([colin.sub]);
    expect(await links.listLinks('globex')).toEqual([]);
  });

  it('lists only the documents the caller may read', async () => {
    // Prepare
    const mine = ((await create(colin)).body as DocumentMetadata).id;
    const hers = ((await create(olga)).body as DocumentMetadata).id;

    // Act
    const seen = ((await list(colin)).body as { documents: DocumentMetadata[] }).documents.map((d) => d.id);
    const all = ((await list(ada)).body as { documents: DocumentMetadata[] }).documents.map((d) => d.id);

    // Assess
    expect(seen).toContain(mine);
    expect(seen).not.toContain(hers);
    expect(all).toEqual(expect.arrayContaining([mine, hers]));
  });

  it('refuses malformed share bodies with 400 and unknown documents with 404', async () => {
    // Prepare
    const id = ((await create(olga)).body as DocumentMetadata).id;

    // Act
    const noUser = await shareWith(olga, id, 42);
    const badUser = await shareWith(olga, id, 'a b');
    const unknown = await shareWith(olga, randomUUID(), colin.sub);
    const notJson = await service.handle({
      route: 'share',
      caller: authorizerCaller({ ...olga }),
      pathTenantId: olga.tenantId,
      documentId: id,
      body: 'x',
    });

    // Assess
    expect([noUser.statusCode, badUser.statusCode, unknown.statusCode, notJson.statusCode]).toEqual([
      400, 400, 404, 400,
    ]);
  });

  it("lets the tenant-admin delete the owner's document with its body and shares; then it is 404 for everyone", async () => {
    // Prepare: a shared document, and another shared document whose share must survive.
    const id = ((await create(olga)).body as DocumentMetadata).id;
    const kept = ((await create(olga)).body as DocumentMetadata).id;
    await shareWith(olga, id, colin.sub);
    await shareWith(olga, kept, colin.sub);
    const raw = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS });

    // Act
    const byColin = await remove(colin, id);
    const byOtto = await remove(otto, id);
    const byAdmin = await remove(ada, id);
    const ownerReads = await get(olga, id);
    const colinReads = await get(colin, id);
    const again = await remove(ada, id);
    const ownerDeletesKept = await remove(olga, kept);

    // Assess: only owner and tenant-admin may delete (Cedar DeleteDocument); another tenant never finds it.
    expect([byColin.statusCode, byOtto.statusCode, byAdmin.statusCode]).toEqual([403, 404, 204]);
    expect([ownerReads.statusCode, colinReads.statusCode, again.statusCode]).toEqual([404, 404, 404]);
    expect(ownerDeletesKept.statusCode).toBe(204);
    const listed = (await list(olga)).body as { documents: DocumentMetadata[] };
    expect(listed.documents.map((document) => document.id)).not.toContain(id);
    expect((await links.listLinks('acme')).map((link) => link.documentId)).not.toContain(id);
    const body = raw.send(new HeadObjectCommand({ Bucket: bucketName, Key: `acme/documents/${id}` }));
    await expect(body).rejects.toMatchObject({ name: 'NotFound' });
    raw.destroy();
  });

  it("removes only the deleted document's shares", async () => {
    // Prepare
    const id = ((await create(olga)).body as DocumentMetadata).id;
    const other = ((await create(olga)).body as DocumentMetadata).id;
    await shareWith(olga, id, colin.sub);
    await shareWith(olga, other, colin.sub);

    // Act
    const deleted = await remove(olga, id);

    // Assess
    expect(deleted.statusCode).toBe(204);
    const documents = (await links.listLinks('acme')).map((link) => link.documentId);
    expect(documents).toContain(other);
    expect(documents).not.toContain(id);
  });

  it('answers 503, never allows, when the tenant has no policy store', async () => {
    // Act
    const refused = await create({ tenantId: 'initech', sub: 'sub-ian', groups: 'tenant-admin' });

    // Assess
    expect(refused.statusCode).toBe(503);
  });
});
