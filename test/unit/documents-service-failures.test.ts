import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StaticCredentials } from '../../shared/credentials/static-credentials';
import { TenantClients } from '../../shared/credentials/tenant-clients';
import { tenantMembersDecide } from '../../shared/documents/document-decision';
import { DocumentStore } from '../../shared/documents/document-store';
import { DocumentsService } from '../../shared/documents/documents-service';
import { TRIGGER_CLIENT_LIMITS } from '../../shared/runtime/dynamodb-client';
import { DataUnavailableError } from '../../shared/runtime/errors';
import { isTransientServiceError } from '../../shared/runtime/transient-error';
import { authorizerCaller } from '../support/documents-caller';

// How the documents service answers data-store failures: DynamoDB and S3 are stubbed with aws-sdk-client-mock
// (the SDK's retries are bypassed, so each error is what the SDK would throw after its last attempt).
const dynamodb = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);

const ID = '6f1c2b1e-3d4a-4c5b-9e8f-0a1b2c3d4e5f';
const ann = { tenantId: 'acme', sub: 'sub-ann', groups: 'tenant-member' };
const ITEM = {
  tenantId: { S: 'acme' },
  sk: { S: `DOC#${ID}` },
  id: { S: ID },
  title: { S: 'Plan' },
  owner: { S: 'sub-ann' },
  contentType: { S: 'text/plain; charset=utf-8' },
  size: { N: '5' },
  createdAt: { S: '2026-11-26T00:00:00.000Z' },
};
const UNAVAILABLE = 'The service is temporarily unavailable. Please try again.';
const GENERIC = 'The request could not be completed.';

const store = new DocumentStore({
  clients: new TenantClients({
    source: new StaticCredentials({ accessKeyId: 'local', secretAccessKey: 'local' }),
    cacheSize: 10,
    limits: TRIGGER_CLIENT_LIMITS,
    s3ForcePathStyle: true,
  }),
  tableName: 'tenant-data',
  bucketName: 'tenant-data',
});
const service = new DocumentsService({ store, decide: tenantMembersDecide });

const get = () =>
  service.handle({ route: 'get', caller: authorizerCaller({ ...ann }), pathTenantId: 'acme', documentId: ID });
const list = () =>
  service.handle({ route: 'list', caller: authorizerCaller({ ...ann }), pathTenantId: 'acme', query: {} });
const create = () =>
  service.handle({
    route: 'create',
    caller: authorizerCaller({ ...ann }),
    pathTenantId: 'acme',
    body: JSON.stringify({ title: 'Plan', content: 'hello' }),
  });

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
const s3Error = (name: string, httpStatusCode: number) =>
  new S3ServiceException({ name, $fault: 'server', message: `internal detail of ${name}`, ...meta(httpStatusCode) });
const networkError = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });

beforeEach(() => {
  dynamodb.reset();
  s3.reset();
});

afterEach(() => {
  dynamodb.reset();
  s3.reset();
});

describe('documents service: a data store that is throttled or unavailable', () => {
  const dynamoFailures = [
    new ProvisionedThroughputExceededException({ message: 'internal detail: table acme', ...meta(400) }),
    new ThrottlingException({ message: 'internal detail: rate', ...meta(400) }),
    new RequestLimitExceeded({ message: 'internal detail: account limit', ...meta(400) }),
    new InternalServerError({ message: 'internal detail: server', ...meta(500) }),
    networkError('ECONNREFUSED'),
    networkError('ETIMEDOUT'),
  ];

  it.each(dynamoFailures.map((error) => [error.name, error] as const))(
    'answers 503 with a user-safe message when DynamoDB fails with %s, keeping the reason for the log',
    async (_name, error) => {
      // Prepare
      dynamodb.on(GetItemCommand).rejects(error);

      // Act
      const answer = await get();

      // Assess
      expect(answer).toMatchObject({ statusCode: 503, body: { message: UNAVAILABLE } });
      expect(JSON.stringify(answer.body)).not.toMatch(/internal detail|10\.0\.0\.1|acme/);
      expect(answer.error).toBeInstanceOf(DataUnavailableError);
      expect((answer.error as DataUnavailableError).cause).toBe(error);
      expect((answer.error as DataUnavailableError).message).toContain(error.name);
    },
  );

  it('answers 503 when a list Query is throttled and when a create PutItem is throttled after its body was written', async () => {
    // Prepare
    dynamodb.on(QueryCommand).rejects(new ThrottlingException({ message: 'rate', ...meta(400) }));
    dynamodb.on(PutItemCommand).rejects(new ProvisionedThroughputExceededException({ message: 'pt', ...meta(400) }));
    s3.on(PutObjectCommand).resolves({});

    // Act
    const listed = await list();
    const created = await create();

    // Assess
    expect([listed.statusCode, created.statusCode]).toEqual([503, 503]);
  });

  it('answers 503 and leaves the document whole when a delete is throttled on the metadata, so a retry finds it again', async () => {
    // Prepare
    dynamodb.on(GetItemCommand).resolves({ Item: ITEM });
    dynamodb.on(DeleteItemCommand).rejects(new ThrottlingException({ message: 'rate', ...meta(400) }));
    s3.on(DeleteObjectCommand).resolves({});

    // Act
    const answer = await service.handle({
      route: 'delete',
      caller: authorizerCaller({ ...ann }),
      pathTenantId: 'acme',
      documentId: ID,
    });

    // Assess
    expect(answer).toMatchObject({ statusCode: 503, body: { message: UNAVAILABLE } });
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });

  it('deletes the metadata, then the shares, then the body, so no metadata is ever left without its body', async () => {
    // Prepare
    const order: string[] = [];
    const withShares = new DocumentsService({
      store,
      decide: tenantMembersDecide,
      removeShares: async () => {
        order.push('shares');
      },
    });
    dynamodb.on(GetItemCommand).resolves({ Item: ITEM });
    dynamodb.on(DeleteItemCommand).callsFake(() => {
      order.push('metadata');
      return {};
    });
    s3.on(DeleteObjectCommand).callsFake(() => {
      order.push('body');
      return {};
    });

    // Act
    const answer = await withShares.handle({
      route: 'delete',
      caller: authorizerCaller({ ...ann }),
      pathTenantId: 'acme',
      documentId: ID,
    });

    // Assess
    expect(answer.statusCode).toBe(204);
    expect(order).toEqual(['metadata', 'shares', 'body']);
  });

  it.each([
    ['SlowDown', 503],
    ['ServiceUnavailable', 503],
    ['InternalError', 500],
    ['Throttled', 429],
  ] as const)('answers 503 when S3 fails reading the body with %s (HTTP %i)', async (name, status) => {
    // Prepare
    dynamodb.on(GetItemCommand).resolves({ Item: ITEM });
    s3.on(GetObjectCommand).rejects(s3Error(name, status));

    // Act
    const answer = await get();

    // Assess
    expect(answer).toMatchObject({ statusCode: 503, body: { message: UNAVAILABLE } });
    expect(JSON.stringify(answer.body)).not.toContain('internal detail');
  });
});

describe('documents service: a body object that is gone, and genuine bugs', () => {
  it('answers 404 when the metadata exists but S3 says the body object does not exist (NoSuchKey, local stack)', async () => {
    // Prepare
    dynamodb.on(GetItemCommand).resolves({ Item: ITEM });
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', ...meta(404) }));

    // Act
    const answer = await get();

    // Assess
    expect(answer).toEqual({ statusCode: 404, body: { message: 'Document not found.' } });
  });

  it.each([
    [
      'a DynamoDB validation error',
      Object.assign(new Error('One or more parameter values were invalid: x'), {
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
      }),
    ],
    [
      'a missing table',
      new ResourceNotFoundException({ message: 'Requested resource not found: tenant-data', ...meta(400) }),
    ],
    [
      'an IAM refusal',
      Object.assign(new Error('User: arn:aws:sts::1:assumed-role/x is not authorized'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    ],
    ['a programming error', new TypeError("Cannot read properties of undefined (reading 'S')")],
  ])('keeps 500 and a generic message for %s, exposing nothing of it', async (_what, error) => {
    // Prepare
    dynamodb.on(GetItemCommand).rejects(error);

    // Act
    const answer = await get();

    // Assess
    expect(answer).toEqual({ statusCode: 500, body: { message: GENERIC }, error });
  });

  it('answers 500, not 404, when S3 refuses the body read with AccessDenied, which AWS also answers for a missing key the tenant role may not list', async () => {
    // Prepare
    dynamodb.on(GetItemCommand).resolves({ Item: ITEM });
    s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403));

    // Act
    const answer = await get();

    // Assess
    expect(answer).toMatchObject({ statusCode: 500, body: { message: GENERIC } });
  });
});

describe('documents service: list', () => {
  it('decides every listed document concurrently and keeps the page order', async () => {
    // Prepare
    const ids = ['a', 'b', 'c'].map((c) => ID.replace(/^./, c));
    dynamodb
      .on(QueryCommand)
      .resolves({ Items: ids.map((id) => ({ ...ITEM, sk: { S: `DOC#${id}` }, id: { S: id } })) });
    let inFlight = 0;
    let mostInFlight = 0;
    // Each decision waits at its gate; once all three are in flight they are released last document first,
    // so completion order is the reverse of the page order (no timers: the order is forced, not hoped for).
    const gates = new Map<string, () => void>();
    let allInFlight: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      allInFlight = resolve;
    });
    const concurrent = new DocumentsService({
      store,
      decide: async ({ action, document }) => {
        if (action !== 'read') return true;
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await new Promise<void>((resolve) => {
          gates.set(document?.id ?? '', resolve);
          if (gates.size === ids.length) allInFlight();
        });
        inFlight -= 1;
        return document?.id !== ids[1];
      },
    });

    // Act
    const pending = concurrent.handle({
      route: 'list',
      caller: authorizerCaller({ ...ann }),
      pathTenantId: 'acme',
      query: {},
    });
    await started;
    for (const id of [...ids].reverse()) gates.get(id)?.();
    const answer = await pending;

    // Assess
    expect(mostInFlight).toBe(3);
    expect((answer.body as { documents: { id: string }[] }).documents.map((d) => d.id)).toEqual([ids[0], ids[2]]);
  });
});

describe('documents service: list with batch decisions', () => {
  const ids = ['a', 'b', 'c'].map((c) => ID.replace(/^./, c));
  const page = () =>
    dynamodb
      .on(QueryCommand)
      .resolves({ Items: ids.map((id) => ({ ...ITEM, sk: { S: `DOC#${id}` }, id: { S: id } })) });
  const listWith = (decideReads: ConstructorParameters<typeof DocumentsService>[0]['decideReads']) =>
    new DocumentsService({ store, decide: tenantMembersDecide, ...(decideReads ? { decideReads } : {}) }).handle({
      route: 'list',
      caller: authorizerCaller({ ...ann }),
      pathTenantId: 'acme',
      query: {},
    });

  it('asks the batch decider once for the whole page and keeps the documents it allows, in order', async () => {
    // Prepare
    page();
    const asked: string[][] = [];

    // Act
    const answer = await listWith(async (_caller, documents) => {
      asked.push(documents.map((document) => document.id));
      return [true, false, true];
    });

    // Assess
    expect(asked).toEqual([ids]);
    expect((answer.body as { documents: { id: string }[] }).documents.map((d) => d.id)).toEqual([ids[0], ids[2]]);
  });

  it('refuses the page (503) when the batch decider answers for fewer documents than the page holds', async () => {
    // Prepare
    page();

    // Act
    const answer = await listWith(async () => [true, true]);

    // Assess
    expect(answer).toMatchObject({ statusCode: 503 });
  });

  it('shows only what the batch decider answers with exactly true', async () => {
    // Prepare
    page();

    // Act
    const answer = await listWith(async () => [true, 'yes', 1] as unknown as boolean[]);

    // Assess
    expect((answer.body as { documents: { id: string }[] }).documents.map((d) => d.id)).toEqual([ids[0]]);
  });

  it('asks nothing for an empty page', async () => {
    // Prepare
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    let calls = 0;

    // Act
    const answer = await listWith(async () => {
      calls += 1;
      return [];
    });

    // Assess
    expect([answer.statusCode, calls]).toEqual([200, 0]);
  });
});

describe('isTransientServiceError', () => {
  it('classifies only errors, never other thrown values', () => {
    // Act + Assess
    expect(
      [undefined, 'ThrottlingException', { name: 'ThrottlingException' }, 503].map(isTransientServiceError),
    ).toEqual([false, false, false, false]);
    expect(isTransientServiceError(new Error('wrapped', { cause: networkError('ECONNRESET') }))).toBe(true);
  });
});
