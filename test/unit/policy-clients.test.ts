import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  ConflictException,
  CreatePolicyCommand,
  IsAuthorizedCommand,
  VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createDecider } from '../../shared/cedar/decide';
import { AvpEngine } from '../../shared/cedar/engines/avp-engine';
import { tenantAvpClients } from '../../shared/cedar/engines/tenant-avp-clients';
import { createAvpLink } from '../../shared/cedar/sharing/avp-share';
import { TenantDataLinks } from '../../shared/cedar/sharing/share-links';
import { TRIGGER_CLIENT_LIMITS } from '../../shared/runtime/dynamodb-client';
import { PolicyEngineError, PolicyStoreNotFoundError } from '../../shared/runtime/errors';
import { MemoryPolicyStores } from '../support/policy-stores';

const dynamo = mockClient(DynamoDBClient);
const avp = mockClient(VerifiedPermissionsClient);

afterEach(() => {
  dynamo.reset();
  avp.reset();
});

const credentials = (tenantId: string) =>
  Promise.resolve({ accessKeyId: `key-${tenantId}`, secretAccessKey: 'secret', sessionToken: tenantId });

describe('tenantAvpClients', () => {
  it('keeps one client per tenant, signing with that tenant credentials, and drops the least recently used', async () => {
    // Prepare
    const clientFor = tenantAvpClients(credentials, TRIGGER_CLIENT_LIMITS, 2, new MemoryPolicyStores());

    // Act
    const acme = clientFor('acme');
    const again = clientFor('acme');
    const globex = clientFor('globex');
    clientFor('acme');
    clientFor('initech');
    const globexLater = clientFor('globex');
    const resolved = await acme.config.credentials();

    // Assess
    expect(again).toBe(acme);
    expect(globexLater).not.toBe(globex);
    expect(resolved.accessKeyId).toBe('key-acme');
  });

  it("shares one HTTP handler (one connection pool) between tenants' clients", () => {
    // Prepare
    const clientFor = tenantAvpClients(credentials, TRIGGER_CLIENT_LIMITS, 2, new MemoryPolicyStores());

    // Act
    const acme = clientFor('acme');
    const globex = clientFor('globex');

    // Assess
    expect(acme).not.toBe(globex);
    expect(acme.config.requestHandler).toBeInstanceOf(NodeHttpHandler);
    expect(globex.config.requestHandler).toBe(acme.config.requestHandler);
  });
});

describe('TenantDataLinks', () => {
  const links = new TenantDataLinks({ clientFor: () => new DynamoDBClient({ region: 'us-east-1' }), tableName: 't' });

  it("reads the caller's partition only and ignores items it did not write", async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({
      Items: [
        {
          tenantId: { S: 'acme' },
          sk: { S: 'SHARE#l1' },
          templateId: { S: 't' },
          principalSub: { S: 'bob' },
          documentId: { S: 'd' },
        },
        { tenantId: { S: 'acme' }, sk: { S: 'SHARE#l2' }, principalSub: { S: 'eve' } },
      ],
    });

    // Act
    const found = await links.listLinks('acme');

    // Assess
    expect(found).toEqual([{ linkId: 'l1', templateId: 't', principalSub: 'bob', documentId: 'd' }]);
    expect(dynamo.commandCalls(QueryCommand)[0]?.args[0].input.ExpressionAttributeValues?.[':t']).toEqual({
      S: 'acme',
    });
  });

  it('fails closed with PolicyEngineError when the tenant data cannot be read or written', async () => {
    // Prepare
    dynamo.on(QueryCommand).rejects(new Error('AccessDenied'));
    dynamo.on(PutItemCommand).rejects(new Error('AccessDenied'));

    // Act
    const read = links.listLinks('acme');
    const write = links.addLink('acme', { linkId: 'l', templateId: 't', principalSub: 'bob', documentId: 'd' });

    // Assess
    await expect(read).rejects.toBeInstanceOf(PolicyEngineError);
    await expect(write).rejects.toBeInstanceOf(PolicyEngineError);
  });
});

describe('AVP shares and decisions', () => {
  const stores = new MemoryPolicyStores().addTenant('acme');
  const client = new VerifiedPermissionsClient({ region: 'us-east-1' });
  const decider = createDecider({ config: { engine: 'avp', cacheTtlMs: 0 }, stores, avpClient: () => client });
  const deps = { engine: 'avp' as const, decider, stores, isMember: async () => true, avpClient: () => client };

  it('refuses a share without a recorded share template or store, and without an AVP client', async () => {
    // Prepare: acme's store as created, without the template another test of this block records.
    const fresh = new MemoryPolicyStores().addTenant('acme');

    // Act
    const noTemplate = await createAvpLink({ ...deps, stores: fresh }, 'acme', 'l', 'bob', 'd').catch(
      (error: unknown) => error,
    );
    const noStore = await createAvpLink(deps, 'globex', 'l', 'bob', 'd').catch((error: unknown) => error);
    const withTemplate = new MemoryPolicyStores().addTenant('acme');
    const record = withTemplate.records.get('acme');
    if (record === undefined) throw new Error('no record');
    withTemplate.records.set('acme', { ...record, avpTemplateIds: { 'document-shared-for-reading': 'T1' } });
    const noClient = await createAvpLink(
      { ...deps, stores: withTemplate, avpClient: undefined },
      'acme',
      'l',
      'b',
      'd',
    ).catch((error: unknown) => error);

    // Assess
    expect(noTemplate).toBeInstanceOf(PolicyStoreNotFoundError);
    expect(noStore).toBeInstanceOf(PolicyStoreNotFoundError);
    expect(noClient).toBeInstanceOf(PolicyEngineError);
  });

  it('treats a name conflict as already shared and any other failure as PolicyEngineError', async () => {
    // Prepare
    stores.records.set('acme', {
      ...(stores.records.get('acme') ?? (undefined as never)),
      avpTemplateIds: { 'document-shared-for-reading': 'T1' },
    });
    avp
      .on(CreatePolicyCommand)
      .rejectsOnce(new ConflictException({ message: 'exists', $metadata: {}, resources: [] }))
      .rejects(new Error('ThrottlingException'));

    // Act
    const again = await createAvpLink(deps, 'acme', 'l', 'bob', 'd');
    const failed = createAvpLink(deps, 'acme', 'l2', 'bob', 'd');

    // Assess
    expect(again).toBe(false);
    await expect(failed).rejects.toBeInstanceOf(PolicyEngineError);
  });

  it('reads an answer without determining policies as none', async () => {
    // Prepare
    avp.on(IsAuthorizedCommand).resolves({ decision: 'ALLOW', determiningPolicies: undefined, errors: [] });

    // Act
    const answer = await new AvpEngine(client).decide('PS1', {
      principal: { type: 'Tenancy::User', id: 'a' },
      action: { type: 'Tenancy::Action', id: 'ListDocuments' },
      resource: { type: 'Tenancy::Tenant', id: 'acme' },
      context: {},
      entities: [],
    });

    // Assess
    expect(answer).toEqual({ decision: 'allow', determiningPolicies: [] });
  });
});
