import { CreateTableCommand, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  AccessDeniedException,
  CreatePolicyCommand,
  CreatePolicyStoreAliasCommand,
  CreatePolicyStoreCommand,
  CreatePolicyTemplateCommand,
  DeletePolicyCommand,
  DeletePolicyTemplateCommand,
  GetPolicyStoreAliasCommand,
  ListPoliciesCommand,
  ListPolicyStoresCommand,
  ListPolicyTemplatesCommand,
  UpdatePolicyCommand,
  ValidationException,
  VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cedarRequest, ENTITY_TYPES, SHARE_TEMPLATE } from '../../shared/cedar/cedar-model';
import { createDecider } from '../../shared/cedar/decide';
import { EmbeddedEngine } from '../../shared/cedar/engines/embedded-engine';
import { shareLinkId } from '../../shared/cedar/policy-set';
import { createAvpLink } from '../../shared/cedar/sharing/avp-share';
import { shareDocument } from '../../shared/cedar/sharing/share-document';
import { TenantDataLinks } from '../../shared/cedar/sharing/share-links';
import { AvpPolicyStore, storeAlias } from '../../shared/cedar/stores/avp-policy-store';
import { EmbeddedPolicyStore } from '../../shared/cedar/stores/embedded-policy-store';
import { type PolicyFiles, readPolicyFiles } from '../../shared/cedar/stores/policy-files';
import { validatePolicyFiles } from '../../shared/cedar/stores/policy-plan';
import { PolicySetConflictError, PolicyStoreAdmin } from '../../shared/cedar/stores/policy-store-admin';
import { syncPolicyStores } from '../../shared/cedar/stores/policy-store-sync';
import { CorruptItemError } from '../../shared/registry/dynamo-item';
import type { TenantAdmin } from '../../shared/registry/tenant-admin';
import { TENANT_TAG } from '../../shared/registry/tenant-id';
import { AccessDeniedError, ShareRecipientNotFoundError } from '../../shared/runtime/errors';
import { FakeAvp } from '../support/fake-avp';
import { caller, onDocument } from '../support/policies';
import { createTestRegistry } from '../support/registry';

let registry: TenantAdmin;
let registryClient: DynamoDBClient;
let tableName: string;
let links: TenantDataLinks;
let stores: PolicyStoreAdmin;
let files: PolicyFiles;
let schema: string;

beforeAll(async () => {
  files = readPolicyFiles();
  schema = await validatePolicyFiles(files);
});

// A fresh registry (and tenant data table) per test: every test states the policy sets it starts from, so the
// tests pass in any order and alone.
beforeEach(async () => {
  const test = await createTestRegistry();
  registry = test.registry;
  registryClient = test.client;
  tableName = test.tableName;
  // The tenant data table's key schema (partition key tenantId); IAM's per-tenant confinement is tested on the
  // packaged template, not here.
  const dataTable = `${test.tableName}-data`;
  await test.client.send(
    new CreateTableCommand({
      TableName: dataTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'tenantId', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'tenantId', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  links = new TenantDataLinks({ clientFor: () => test.client, tableName: dataTable });
  stores = new PolicyStoreAdmin({ client: test.client, tableName: test.tableName });
  for (const tenantId of ['acme', 'globex', 'initech', 'hooli']) {
    await registry.createTenant({ tenantId, name: tenantId, tier: 'standard' });
  }
  for (const [tenantId, sub] of [
    ['acme', 'alice'],
    ['acme', 'bob'],
    ['globex', 'gina'],
  ] as const) {
    await registry.addMember({ tenantId, sub, role: 'tenant-member', source: 'invite' });
  }
});

/** The repository's model with one policy edited, one added and one removed. */
function changedFiles(): PolicyFiles {
  const { 'tenant-user-adds-documents': _removed, ...policies } = files.policies;
  return {
    ...files,
    policies: {
      ...policies,
      'owner-manages-document': `${files.policies['owner-manages-document']}\n// edited`,
      'no-deletes-on-sundays': 'forbid (principal, action == Tenancy::Action::"DeleteDocument", resource);',
    },
  };
}

describe('embedded policy sets in the registry', () => {
  it('creates a tenant set once: a second create changes nothing', async () => {
    // Prepare
    const embedded = new EmbeddedPolicyStore(stores);

    // Act
    const first = await embedded.create('acme', files);
    const second = await embedded.create('acme', files);

    // Assess
    expect(first.created).toBe(true);
    expect(second).toEqual({ created: false, record: first.record });
    expect(first.record.policies).toEqual(files.policies);
  });

  it('reports drift per store in a dry run without writing, then applies add, update and delete', async () => {
    // Prepare: initech has the repository's set, hooli none.
    const embedded = new EmbeddedPolicyStore(stores);
    await embedded.create('initech', files);
    const before = await stores.getRecord('initech');

    // Act
    const dry = await syncPolicyStores(embedded, ['initech', 'hooli'], changedFiles(), schema, { dryRun: true });
    const unchanged = await stores.getRecord('initech');
    const applied = await syncPolicyStores(embedded, ['initech'], changedFiles(), schema, { dryRun: false });
    const again = await syncPolicyStores(embedded, ['initech'], changedFiles(), schema, { dryRun: false });

    // Assess
    expect(dry).toEqual([
      {
        tenantId: 'initech',
        status: 'drift',
        changes: [
          { op: 'update', kind: 'policy', id: 'owner-manages-document' },
          { op: 'add', kind: 'policy', id: 'no-deletes-on-sundays' },
          { op: 'delete', kind: 'policy', id: 'tenant-user-adds-documents' },
        ],
      },
      { tenantId: 'hooli', status: 'missing', changes: [] },
    ]);
    expect(unchanged).toEqual(before);
    expect(applied[0]?.status).toBe('updated');
    expect((await stores.getRecord('initech'))?.policies).toEqual(changedFiles().policies);
    expect(again).toEqual([{ tenantId: 'initech', status: 'in-sync', changes: [] }]);
  });
});

describe('policy store records', () => {
  it('refuses a stale write: another operator changed the set in between', async () => {
    // Prepare
    const embedded = new EmbeddedPolicyStore(stores);
    const { record } = await embedded.create('hooli', files);
    await stores.putRecord(record, record.version);

    // Act
    const stale = stores.putRecord(record, record.version);

    // Assess
    await expect(stale).rejects.toBeInstanceOf(PolicySetConflictError);
  });

  it('treats a hand-edited record whose policies are not a JSON map of texts as corrupt', async () => {
    // Prepare
    await stores.putRecord({ tenantId: 'umbrella', policies: {}, templates: {}, avpTemplateIds: {} }, undefined);
    await registryClient.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'TENANT#umbrella' }, sk: { S: 'POLICY_STORE' } },
        UpdateExpression: 'SET policies = :p',
        ExpressionAttributeValues: { ':p': { S: '["not", "a map"]' } },
      }),
    );

    // Act
    const read = stores.getRecord('umbrella');

    // Assess
    await expect(read).rejects.toBeInstanceOf(CorruptItemError);
  });
});

describe('pending share links in a policy store record', () => {
  it.each([
    ['not JSON', '{'],
    ['not a list', '{"template": "t"}'],
    ['a link without a principal', '[{"template": "t", "resource": {"entityType": "D", "entityId": "d"}}]'],
    [
      'an empty name',
      '[{"template": "t", "name": "", "principal": {"entityType": "U", "entityId": "u"}, "resource": {"entityType": "D", "entityId": "d"}}]',
    ],
    ['a link that is not an object', '[null]'],
  ])('treats %s as corrupt', async (_case, value) => {
    // Prepare
    await stores.putRecord({ tenantId: 'umbrella', policies: {}, templates: {}, avpTemplateIds: {} }, undefined);
    await registryClient.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'TENANT#umbrella' }, sk: { S: 'POLICY_STORE' } },
        UpdateExpression: 'SET pendingLinks = :p',
        ExpressionAttributeValues: { ':p': { S: value } },
      }),
    );

    // Act
    const read = stores.getRecord('umbrella');

    // Assess
    await expect(read).rejects.toBeInstanceOf(CorruptItemError);
  });

  it('round-trips pending links, and writes no attribute when there are none', async () => {
    // Prepare
    const link = {
      template: SHARE_TEMPLATE,
      name: 'share-1',
      principal: { entityType: ENTITY_TYPES.user, entityId: 'bob' },
      resource: { entityType: ENTITY_TYPES.document, entityId: 'd' },
    };

    // Act
    const written = await stores.putRecord(
      { tenantId: 'umbrella', policies: {}, templates: {}, avpTemplateIds: {}, pendingLinks: [link] },
      undefined,
    );
    const withLinks = await stores.getRecord('umbrella');
    await stores.putRecord({ ...written, pendingLinks: [] }, written.version);
    const cleared = await stores.getRecord('umbrella');

    // Assess
    expect(withLinks?.pendingLinks).toEqual([link]);
    expect(cleared?.pendingLinks).toBeUndefined();
  });
});

describe('sharing on the embedded engine', () => {
  const decider = () =>
    createDecider({
      config: { engine: 'embedded', cacheTtlMs: 60_000 },
      stores,
      links,
      embedded: async () => new EmbeddedEngine(),
    });
  const isMember = async (tenantId: string, sub: string) => (await registry.getMembership(tenantId, sub)) !== undefined;
  const doc = { kind: 'document' as const, id: 'report-1', tenantId: 'acme', ownerSub: 'alice' };
  beforeEach(async () => {
    await new EmbeddedPolicyStore(stores).create('acme', files);
  });

  it('lets the owner share with a colleague, who then reads; sharing twice is one share', async () => {
    // Prepare
    const shared = decider();
    const deps = { engine: 'embedded' as const, decider: shared, stores, links, isMember };
    const bobReads = onDocument(caller('acme', 'bob', 'tenant-member'), 'ReadDocument', doc);
    const before = await shared.decide(bobReads);

    // Act
    const first = await shareDocument(deps, caller('acme', 'alice', 'tenant-member'), doc, 'bob');
    const second = await shareDocument(deps, caller('acme', 'alice', 'tenant-member'), doc, 'bob');
    const after = await shared.decide(bobReads);
    const otherContainer = await decider().decide(bobReads);

    // Assess
    expect(before.decision).toBe('deny');
    expect([first.created, second.created]).toEqual([true, false]);
    expect([after.decision, otherContainer.decision]).toEqual(['allow', 'allow']);
    expect((await links.listLinks('acme')).length).toBe(1);
    expect(await links.listLinks('globex')).toEqual([]);
  });

  it('refuses a share by anyone but the owner or an admin, and a recipient of another tenant', async () => {
    // Prepare
    const deps = { engine: 'embedded' as const, decider: decider(), stores, links, isMember };

    // Act
    const byBob = shareDocument(deps, caller('acme', 'bob', 'tenant-member'), doc, 'alice');
    const toGina = shareDocument(deps, caller('acme', 'alice', 'tenant-member'), doc, 'gina');

    // Assess
    await expect(byBob).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(toGina).rejects.toBeInstanceOf(ShareRecipientNotFoundError);
  });
});

describe('AVP policy stores', () => {
  let avp: FakeAvp;
  let client: VerifiedPermissionsClient;

  beforeEach(() => {
    avp = new FakeAvp();
    client = new VerifiedPermissionsClient({ region: 'us-east-1' });
  });

  afterAll(() => {
    avp.restore();
  });

  it('creates a tagged, deletion-protected store with schema, policies and templates, recorded in the registry; idempotent', async () => {
    // Prepare
    const store = new AvpPolicyStore(client, stores);

    // Act
    const first = await store.create('hooli', files, schema);
    const second = await store.create('hooli', files, schema);

    // Assess
    const [created] = [...avp.stores.values()];
    expect(avp.stores.size).toBe(1);
    expect(created?.tags).toEqual({ [TENANT_TAG]: 'hooli' });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(first.record.policyStoreId).toBe(created?.policyStoreId);
    expect(Object.keys(first.record.avpTemplateIds)).toEqual([SHARE_TEMPLATE]);
    expect((await stores.getRecord('hooli'))?.policyStoreId).toBe(created?.policyStoreId);
    expect([...(created?.policies.values() ?? [])].map((p) => p.name).sort()).toEqual(
      Object.keys(files.policies)
        .map((id) => `name/global-${id}`)
        .sort(),
    );
    expect(await store.plan('hooli', files, schema)).toEqual([]);
  });

  it('finishes a sync that failed halfway when run again, and leaves the shares and the user own policies alone', async () => {
    // Prepare
    const store = new AvpPolicyStore(client, stores);
    const tenantId = 'initech';
    const { record } = await store.create(tenantId, files, schema);
    const policyStoreId = record.policyStoreId ?? '';
    const templateId = record.avpTemplateIds[SHARE_TEMPLATE] ?? '';
    const fake = avp.store(policyStoreId);
    fake.policies.set('USER1', {
      policyId: 'USER1',
      statement: 'permit (principal, action, resource) when { false };',
    });
    fake.policies.set('LINK1', {
      policyId: 'LINK1',
      templateId,
      principal: { entityId: 'bob' },
      resource: { entityId: 'd' },
    });
    avp.writes = 0;
    avp.failOnWrite = 2;

    // Act
    const failed = await syncPolicyStores(store, [tenantId], changedFiles(), schema, { dryRun: false });
    const rerun = await syncPolicyStores(store, [tenantId], changedFiles(), schema, { dryRun: false });
    const settled = await syncPolicyStores(store, [tenantId], changedFiles(), schema, { dryRun: true });

    // Assess
    expect(failed[0]?.status).toBe('failed');
    expect(rerun[0]?.status).toBe('updated');
    expect(settled).toEqual([{ tenantId, status: 'in-sync', changes: [] }]);
    expect(fake.policies.has('USER1')).toBe(true);
    expect(fake.policies.has('LINK1')).toBe(true);
    expect((await store.show(tenantId))?.policies).toEqual(changedFiles().policies);
  });

  it('refuses, as Verified Permissions does, an update that turns a permit into a forbid', async () => {
    // Prepare
    const store = new AvpPolicyStore(client, stores);
    const { record } = await store.create('vandelay', files, schema);
    const policyStoreId = record.policyStoreId ?? '';
    const [policy] = [...avp.store(policyStoreId).policies.values()];
    const forbid = (policy?.statement ?? '').replace(/^permit/m, 'forbid');

    // Act
    const update = client.send(
      new UpdatePolicyCommand({
        policyStoreId,
        policyId: policy?.policyId ?? '',
        definition: { static: { statement: forbid } },
      }),
    );

    // Assess
    await expect(update).rejects.toBeInstanceOf(ValidationException);
    expect(avp.store(policyStoreId).policies.get(policy?.policyId ?? '')?.statement).toBe(policy?.statement);
  });

  it('replaces policies whose scope changed, shown in a dry run, a permit deleted before and a forbid after its replacement', async () => {
    // Prepare
    const withForbid: PolicyFiles = {
      ...files,
      policies: {
        ...files.policies,
        'no-deletes-on-sundays': 'forbid (principal, action == Tenancy::Action::"DeleteDocument", resource);',
      },
    };
    const rescoped: PolicyFiles = {
      ...withForbid,
      policies: {
        ...withForbid.policies,
        // Resource scope of a permit, principal scope of a forbid: neither can be updated in place.
        'owner-manages-document': (files.policies['owner-manages-document'] ?? '').replace(
          'resource is Tenancy::Document',
          'resource',
        ),
        'no-deletes-on-sundays':
          'forbid (principal is Tenancy::User, action == Tenancy::Action::"DeleteDocument", resource);',
      },
    };
    const store = new AvpPolicyStore(client, stores);
    const tenantId = 'umbrella-avp';
    const { record } = await store.create(tenantId, withForbid, schema);
    const policyStoreId = record.policyStoreId ?? '';
    const idOf = (name: string) =>
      [...avp.store(policyStoreId).policies.values()].find((policy) => policy.name === name)?.policyId;
    const oldOwner = idOf('name/global-owner-manages-document');
    const oldForbid = idOf('name/global-no-deletes-on-sundays');
    avp.writes = 0;

    // Act
    const dry = await syncPolicyStores(store, [tenantId], rescoped, schema, { dryRun: true });
    const writesInDryRun = avp.writes;
    avp.mock.resetHistory();
    const applied = await syncPolicyStores(store, [tenantId], rescoped, schema, { dryRun: false });
    const writes = avp.mock
      .calls()
      .map((call) => call.args[0])
      .flatMap((command) =>
        command instanceof DeletePolicyCommand
          ? [`delete ${command.input.policyId}`]
          : command instanceof CreatePolicyCommand
            ? [`create ${command.input.name}`]
            : [],
      );
    const again = await syncPolicyStores(store, [tenantId], rescoped, schema, { dryRun: true });

    // Assess
    expect(dry[0]?.changes).toEqual([
      { op: 'replace', kind: 'policy', id: 'owner-manages-document' },
      { op: 'replace', kind: 'policy', id: 'no-deletes-on-sundays' },
    ]);
    expect(writesInDryRun).toBe(0);
    expect(applied[0]?.status).toBe('updated');
    expect(writes).toEqual([
      `delete ${oldOwner}`,
      'create name/global-owner-manages-document',
      'create name/global-no-deletes-on-sundays_r',
      `delete ${oldForbid}`,
    ]);
    expect(again).toEqual([{ tenantId, status: 'in-sync', changes: [] }]);
    expect((await store.show(tenantId))?.policies).toEqual(rescoped.policies);
  });

  it('deletes the second copy of a policy a stopped replacement left, shown in a dry run first', async () => {
    // Prepare: a forbid's replacement was created under the alternate name, the old copy not yet deleted.
    const withForbid: PolicyFiles = {
      ...files,
      policies: {
        ...files.policies,
        'no-deletes': 'forbid (principal, action == Tenancy::Action::"DeleteDocument", resource);',
      },
    };
    const store = new AvpPolicyStore(client, stores);
    const tenantId = 'stopped-forbid';
    const { record } = await store.create(tenantId, withForbid, schema);
    const policyStoreId = record.policyStoreId ?? '';
    await client.send(
      new CreatePolicyCommand({
        policyStoreId,
        name: 'name/global-no-deletes_r',
        definition: { static: { statement: withForbid.policies['no-deletes'] ?? '' } },
      }),
    );

    // Act
    const dry = await syncPolicyStores(store, [tenantId], withForbid, schema, { dryRun: true });
    const applied = await syncPolicyStores(store, [tenantId], withForbid, schema, { dryRun: false });
    const again = await syncPolicyStores(store, [tenantId], withForbid, schema, { dryRun: true });

    // Assess
    const copies = [...avp.store(policyStoreId).policies.values()].filter((p) => p.name?.includes('no-deletes'));
    expect(dry[0]?.changes).toEqual([{ op: 'delete', kind: 'policy', id: 'no-deletes (duplicate)' }]);
    expect(applied[0]?.status).toBe('updated');
    expect(again[0]?.status).toBe('in-sync');
    expect(copies).toHaveLength(1);
  });

  it('reuses a store created by a run that failed before its alias and record existed', async () => {
    // Prepare: CreatePolicyStore succeeded, CreatePolicyStoreAlias (the second write) failed.
    const store = new AvpPolicyStore(client, stores);
    avp.failOnWrite = 2;
    await expect(store.create('globex', files, schema)).rejects.toThrow();
    expect(avp.aliases.size).toBe(0);

    // Act: the same client token returns the store the first run created.
    const { record } = await store.create('globex', files, schema);

    // Assess
    expect(avp.stores.size).toBe(1);
    expect(record.policyStoreId).toBe([...avp.stores.keys()][0]);
    expect(avp.aliases.get(storeAlias('globex'))).toBe(record.policyStoreId);
  });

  it("finds a store the registry does not record by the tenant's alias, without listing any store", async () => {
    // Prepare: a store and its alias exist (a run stopped before recording it, past the client token's life).
    const { policyStoreId } = await client.send(
      new CreatePolicyStoreCommand({ validationSettings: { mode: 'STRICT' }, description: 'made elsewhere' }),
    );
    await client.send(new CreatePolicyStoreAliasCommand({ aliasName: storeAlias('umbrella'), policyStoreId }));
    const store = new AvpPolicyStore(client, stores);

    // Act
    const { created, record } = await store.create('umbrella', files, schema);

    // Assess
    expect(created).toBe(false);
    expect(record.policyStoreId).toBe(policyStoreId);
    expect(avp.stores.size).toBe(1);
    expect(avp.mock.commandCalls(ListPolicyStoresCommand)).toEqual([]);
    expect(avp.mock.commandCalls(GetPolicyStoreAliasCommand)).toHaveLength(1);
  });

  it('gives a recorded store without an alias its alias on the next create', async () => {
    // Prepare: a store recorded before aliases were used.
    const store = new AvpPolicyStore(client, stores);
    const { record } = await store.create('hooli', files, schema);
    avp.aliases.clear();

    // Act
    const again = await store.create('hooli', files, schema);

    // Assess
    expect(again.created).toBe(false);
    expect(avp.aliases.get(storeAlias('hooli'))).toBe(record.policyStoreId);
    expect(avp.stores.size).toBe(1);
  });

  it("refuses to go on when the tenant's alias names another store than the registry records", async () => {
    // Prepare
    const store = new AvpPolicyStore(client, stores);
    const { record } = await store.create('acme', files, schema);
    const { policyStoreId: other } = await client.send(
      new CreatePolicyStoreCommand({ validationSettings: { mode: 'STRICT' } }),
    );
    avp.aliases.set(storeAlias('acme'), other ?? '');

    // Act
    const refused = store.create('acme', files, schema);

    // Assess
    await expect(refused).rejects.toThrow(
      `${storeAlias('acme')} names another policy store than ${record.policyStoreId}, the one the registry records for acme`,
    );
    expect((await stores.getRecord('acme'))?.policyStoreId).toBe(record.policyStoreId);
    expect(avp.aliases.get(storeAlias('acme'))).toBe(other);
  });

  it('reads every page of a store holding more policies and templates than one List call returns', async () => {
    // Prepare: 60 user policies and 55 user templates come first; the managed ones follow, on later pages.
    const store = new AvpPolicyStore(client, stores);
    const { record } = await store.create('initech', files, schema);
    const fake = avp.store(record.policyStoreId ?? '');
    const managedPolicies = [...fake.policies.entries()];
    const managedTemplates = [...fake.templates.entries()];
    fake.policies.clear();
    fake.templates.clear();
    for (let i = 0; i < 60; i++) {
      fake.policies.set(`USER${i}`, { policyId: `USER${i}`, statement: 'permit (principal, action, resource);' });
    }
    for (let i = 0; i < 55; i++) {
      fake.templates.set(`UT${i}`, {
        policyTemplateId: `UT${i}`,
        statement: 'permit (principal == ?principal, action, resource);',
      });
    }
    for (const [id, policy] of managedPolicies) fake.policies.set(id, policy);
    for (const [id, template] of managedTemplates) fake.templates.set(id, template);
    avp.mock.resetHistory();

    // Act
    const drift = await store.plan('initech', files, schema);

    // Assess
    expect(drift).toEqual([]);
    const sizes = (calls: { args: [{ input: object }] }[]) =>
      calls.map((call) => (call.args[0].input as { maxResults?: number }).maxResults);
    expect(sizes(avp.mock.commandCalls(ListPoliciesCommand))).toEqual([50, 50]);
    expect(sizes(avp.mock.commandCalls(ListPolicyTemplatesCommand))).toEqual([50, 50]);
  });

  it("creates no second store while the tenant's alias is being deleted, and says so", async () => {
    // Prepare: the alias was deleted (PendingDeletion: it can be neither used nor created again yet).
    avp.aliases.set(storeAlias('vandelay'), 'PS-gone');
    avp.pendingDeletion.add(storeAlias('vandelay'));
    const store = new AvpPolicyStore(client, stores);

    // Act
    const refused = store.create('vandelay', files, schema);

    // Assess
    await expect(refused).rejects.toThrow(
      'the policy store alias of vandelay is being deleted: run again once it is gone',
    );
    expect(avp.stores.size).toBe(0);
    expect(await stores.getRecord('vandelay')).toBeUndefined();
  });

  it('creates nothing when the alias cannot be read (access denied), and passes the error on', async () => {
    // Prepare
    avp.mock
      .on(GetPolicyStoreAliasCommand)
      .rejects(new AccessDeniedException({ message: 'not authorized: GetPolicyStoreAlias', $metadata: {} }));
    const store = new AvpPolicyStore(client, stores);

    // Act
    const refused = store.create('hooli', files, schema);

    // Assess
    await expect(refused).rejects.toThrow(AccessDeniedException);
    expect(avp.stores.size).toBe(0);
  });

  it('shares through a template-linked policy named after the share, once', async () => {
    // Prepare
    const store = new AvpPolicyStore(client, stores);
    await store.create('acme', files, schema);
    const decider = createDecider({ config: { engine: 'avp', cacheTtlMs: 0 }, stores, avpClient: () => client });
    // The owner's ShareDocument decision: let the fake AVP allow it.
    const { IsAuthorizedCommand } = await import('@aws-sdk/client-verifiedpermissions');
    avp.mock.on(IsAuthorizedCommand).resolves({ decision: 'ALLOW', determiningPolicies: [], errors: [] });
    const isMember = async (tenantId: string, sub: string) =>
      (await registry.getMembership(tenantId, sub)) !== undefined;
    const deps = { engine: 'avp' as const, decider, stores, isMember, avpClient: () => client };
    const doc = { kind: 'document' as const, id: 'plan-9', tenantId: 'acme', ownerSub: 'alice' };

    // Act
    const first = await shareDocument(deps, caller('acme', 'alice'), doc, 'bob');
    const second = await shareDocument(deps, caller('acme', 'alice'), doc, 'bob');

    // Assess
    const record = await stores.getRecord('acme');
    const links = [...avp.store(record?.policyStoreId ?? '').policies.values()].filter(
      (p) => p.templateId !== undefined,
    );
    expect([first.created, second.created]).toEqual([true, false]);
    expect(links).toEqual([
      {
        policyId: expect.any(String),
        name: expect.stringMatching(/^name\/share-[0-9a-f]{32}$/),
        templateId: record?.avpTemplateIds[SHARE_TEMPLATE],
        principal: { entityType: 'Tenancy::User', entityId: 'bob' },
        resource: { entityType: 'Tenancy::Document', entityId: 'plan-9' },
      },
    ]);
  });

  describe('replacing a template that has shares', () => {
    // The share template with its resource scope widened (`resource == ?resource` → `resource in ?resource`): a
    // change Verified Permissions refuses to make in place (UpdatePolicyTemplate).
    const rescoped = (): PolicyFiles => ({
      ...files,
      templates: {
        ...files.templates,
        [SHARE_TEMPLATE]: (files.templates[SHARE_TEMPLATE] ?? '').replace(
          'resource == ?resource',
          'resource in ?resource',
        ),
      },
    });
    const SHARES = [
      ['bob', 'plan-1'],
      ['bob', 'plan-2'],
      ['alice', 'plan-3'],
    ] as const;

    /**
     * A store for `tenantId` with the three shares made through the share route's own code, and a link without a
     * name (an operator's own): it moves too.
     */
    async function storeWithShares(tenantId: string) {
      const store = new AvpPolicyStore(client, stores);
      const { record } = await store.create(tenantId, files, schema);
      await client.send(
        new CreatePolicyCommand({
          policyStoreId: record.policyStoreId,
          definition: {
            templateLinked: {
              policyTemplateId: record.avpTemplateIds[SHARE_TEMPLATE],
              principal: { entityType: ENTITY_TYPES.user, entityId: 'carol' },
              resource: { entityType: ENTITY_TYPES.document, entityId: 'plan-4' },
            },
          },
        }),
      );
      for (const [sub, documentId] of SHARES) {
        await createAvpLink(
          { ...shareDeps(), avpClient: () => client },
          tenantId,
          shareLinkId(documentId, sub),
          sub,
          documentId,
        );
      }
      return { store, policyStoreId: record.policyStoreId ?? '' };
    }
    const shareDeps = () => ({
      engine: 'avp' as const,
      decider: createDecider({ config: { engine: 'avp', cacheTtlMs: 0 }, stores, avpClient: () => client }),
      stores,
      isMember: async () => true,
    });

    /** The store's template-linked policies: name, template, principal and resource, sorted by name. */
    const linksOf = (policyStoreId: string) =>
      [...avp.store(policyStoreId).policies.values()]
        .filter((policy) => policy.templateId !== undefined)
        .map((policy) => ({
          name: policy.name,
          templateId: policy.templateId,
          principal: policy.principal?.entityId,
          resource: policy.resource?.entityId,
        }))
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    const LINKS = SHARES.length + 1;
    const expectedLinks = (templateId: string | undefined) => [
      ...SHARES.map(([sub, documentId]) => ({
        name: `name/share-${shareLinkId(documentId, sub)}`,
        templateId,
        principal: sub,
        resource: documentId,
      })).sort((a, b) => a.name.localeCompare(b.name)),
      { name: undefined, templateId, principal: 'carol', resource: 'plan-4' },
    ];
    const reads = async (policyStoreId: string, sub: string, documentId: string) =>
      (
        await avp.evaluate(
          policyStoreId,
          {
            principal: { entityType: ENTITY_TYPES.user, entityId: sub },
            action: { actionType: ENTITY_TYPES.action, actionId: 'ReadDocument' },
            resource: { entityType: ENTITY_TYPES.document, entityId: documentId },
          },
          JSON.stringify(
            cedarRequest(
              onDocument(caller('acme', sub), 'ReadDocument', { id: documentId, tenantId: 'acme', ownerSub: 'carol' }),
            ).entities,
          ),
        )
      ).decision;

    it('shows the replacement in a dry run, then re-creates every share on the new template and records it', async () => {
      // Prepare
      const tenantId = 'acme';
      const { store, policyStoreId } = await storeWithShares(tenantId);
      const oldTemplate = (await stores.getRecord(tenantId))?.avpTemplateIds[SHARE_TEMPLATE];
      avp.writes = 0;

      // Act
      const dry = await syncPolicyStores(store, [tenantId], rescoped(), schema, { dryRun: true });
      const writesInDryRun = avp.writes;
      avp.mock.resetHistory();
      const applied = await syncPolicyStores(store, [tenantId], rescoped(), schema, { dryRun: false });
      const writes = avp.mock
        .calls()
        .map((call) => call.args[0])
        .flatMap((command) =>
          command instanceof DeletePolicyCommand
            ? ['delete link']
            : command instanceof CreatePolicyCommand
              ? ['create link']
              : command instanceof CreatePolicyTemplateCommand
                ? [`create template ${command.input.name}`]
                : command instanceof DeletePolicyTemplateCommand
                  ? ['delete old template']
                  : [],
        );
      const again = await syncPolicyStores(store, [tenantId], rescoped(), schema, { dryRun: true });

      // Assess
      const record = await stores.getRecord(tenantId);
      const newTemplate = record?.avpTemplateIds[SHARE_TEMPLATE];
      expect(dry[0]?.changes).toEqual([{ op: 'replace', kind: 'template', id: SHARE_TEMPLATE }]);
      expect(writesInDryRun).toBe(0);
      expect(applied[0]).toMatchObject({ status: 'updated' });
      // The new copy first (no links: it grants nothing), each share deleted before its re-creation (never two
      // grants of one share), the old copy last.
      expect(writes).toEqual([
        `create template name/template-${SHARE_TEMPLATE}_r`,
        ...Array.from({ length: LINKS }).flatMap(() => ['delete link', 'create link']),
        'delete old template',
      ]);
      expect(newTemplate).not.toBe(oldTemplate);
      expect([...avp.store(policyStoreId).templates.keys()]).toEqual([newTemplate]);
      expect(linksOf(policyStoreId)).toEqual(expectedLinks(newTemplate));
      expect(record?.pendingLinks ?? []).toEqual([]);
      expect(again).toEqual([{ tenantId, status: 'in-sync', changes: [] }]);
      expect(await reads(policyStoreId, 'bob', 'plan-2')).toBe('ALLOW');
      expect(await reads(policyStoreId, 'alice', 'plan-2')).toBe('DENY');
    });

    it('moves every share of a template holding more links than one List page and one registry chunk', async () => {
      // Prepare: 60 shares, more than a List page (at most 50) and more than the links moved per registry write.
      const tenantId = 'many-shares';
      const store = new AvpPolicyStore(client, stores);
      const { record } = await store.create(tenantId, files, schema);
      const policyStoreId = record.policyStoreId ?? '';
      const shares = Array.from({ length: 60 }, (_, index) => `doc-${String(index).padStart(2, '0')}`);
      for (const documentId of shares) {
        await client.send(
          new CreatePolicyCommand({
            policyStoreId,
            name: `name/share-${documentId}`,
            definition: {
              templateLinked: {
                policyTemplateId: record.avpTemplateIds[SHARE_TEMPLATE],
                principal: { entityType: ENTITY_TYPES.user, entityId: 'bob' },
                resource: { entityType: ENTITY_TYPES.document, entityId: documentId },
              },
            },
          }),
        );
      }
      avp.mock.resetHistory();

      // Act
      const applied = await syncPolicyStores(store, [tenantId], rescoped(), schema, { dryRun: false });

      // Assess
      const after = await stores.getRecord(tenantId);
      const newTemplate = after?.avpTemplateIds[SHARE_TEMPLATE];
      const pageSizes = avp.mock
        .commandCalls(ListPoliciesCommand)
        .map((call) => call.args[0].input.maxResults ?? 'default');
      expect(applied[0]?.status).toBe('updated');
      expect(linksOf(policyStoreId)).toEqual(
        shares.map((documentId) => ({
          name: `name/share-${documentId}`,
          templateId: newTemplate,
          principal: 'bob',
          resource: documentId,
        })),
      );
      expect([...avp.store(policyStoreId).templates.keys()]).toEqual([newTemplate]);
      expect(after?.pendingLinks ?? []).toEqual([]);
      expect(new Set(pageSizes)).toEqual(new Set([50]));
    });

    it('loses no share when a run stops at any write, and the next run converges (every failure point)', async () => {
      // Prepare: count the writes of an uninterrupted replacement.
      const { store: clean } = await storeWithShares('initech');
      avp.writes = 0;
      await syncPolicyStores(clean, ['initech'], rescoped(), schema, { dryRun: false });
      const total = avp.writes;
      const outcomes: string[] = [];

      for (let failAt = 1; failAt <= total; failAt++) {
        const tenantId = `relink-${failAt}`;
        const { store, policyStoreId } = await storeWithShares(tenantId);
        avp.writes = 0;
        avp.failOnWrite = failAt;

        // Act
        const failed = await syncPolicyStores(store, [tenantId], rescoped(), schema, { dryRun: false });
        const left = await store.plan(tenantId, rescoped(), schema);
        const rerun = await syncPolicyStores(store, [tenantId], rescoped(), schema, { dryRun: false });
        const settled = await syncPolicyStores(store, [tenantId], rescoped(), schema, { dryRun: true });

        // Assess
        const record = await stores.getRecord(tenantId);
        const templateId = record?.avpTemplateIds[SHARE_TEMPLATE];
        outcomes.push(`${failAt}:${failed[0]?.status}`);
        expect([failAt, failed[0]?.status]).toEqual([failAt, 'failed']);
        expect([failAt, (left ?? []).length > 0]).toEqual([failAt, true]);
        expect([failAt, rerun[0]?.status]).toEqual([failAt, 'updated']);
        expect([failAt, settled]).toEqual([failAt, [{ tenantId, status: 'in-sync', changes: [] }]]);
        expect([failAt, [...avp.store(policyStoreId).templates.keys()]]).toEqual([failAt, [templateId]]);
        expect([failAt, linksOf(policyStoreId)]).toEqual([failAt, expectedLinks(templateId)]);
        expect([failAt, record?.pendingLinks ?? []]).toEqual([failAt, []]);
      }
      expect(outcomes).toHaveLength(total);
      expect(total).toBe(2 + LINKS * 2);
    });

    it('keeps the shares pending in the registry while a run is stopped between deleting and re-creating one', async () => {
      // Prepare: the 3rd write is the first share's re-creation (1: new template, 2: delete the first share).
      const tenantId = 'globex';
      const { store, policyStoreId } = await storeWithShares(tenantId);
      avp.writes = 0;
      avp.failOnWrite = 3;

      // Act
      await syncPolicyStores(store, [tenantId], rescoped(), schema, { dryRun: false });
      const plan = await store.plan(tenantId, rescoped(), schema);

      // Assess: the share is in no store copy, but in the registry; the plan says the run must be finished.
      const record = await stores.getRecord(tenantId);
      expect(linksOf(policyStoreId)).toHaveLength(LINKS - 1);
      expect(record?.pendingLinks).toHaveLength(LINKS);
      expect(record?.pendingLinks?.map((link) => link.template)).toEqual(Array(LINKS).fill(SHARE_TEMPLATE));
      expect(plan).toEqual([
        { op: 'replace', kind: 'template', id: `${SHARE_TEMPLATE} (finish re-linking its shares)` },
        { op: 'delete', kind: 'template', id: `${SHARE_TEMPLATE} (duplicate, its links moved)` },
      ]);
    });

    it('replaces a template twice, its copies taking the two names in turn, and keeps every share each time', async () => {
      // Prepare
      const tenantId = 'acme';
      const { store, policyStoreId } = await storeWithShares(tenantId);

      // Act
      await syncPolicyStores(store, [tenantId], rescoped(), schema, { dryRun: false });
      const firstName = [...avp.store(policyStoreId).templates.values()].map((template) => template.name);
      const back = await syncPolicyStores(store, [tenantId], files, schema, { dryRun: false });
      const secondName = [...avp.store(policyStoreId).templates.values()].map((template) => template.name);

      // Assess
      const templateId = (await stores.getRecord(tenantId))?.avpTemplateIds[SHARE_TEMPLATE];
      expect(firstName).toEqual([`name/template-${SHARE_TEMPLATE}_r`]);
      expect(back[0]?.changes).toEqual([{ op: 'replace', kind: 'template', id: SHARE_TEMPLATE }]);
      expect(secondName).toEqual([`name/template-${SHARE_TEMPLATE}`]);
      expect(linksOf(policyStoreId)).toEqual(expectedLinks(templateId));
    });

    it('updates a template in place when its scope is unchanged: the shares stay linked to it', async () => {
      // Prepare
      const tenantId = 'acme';
      const { store, policyStoreId } = await storeWithShares(tenantId);
      const templateId = (await stores.getRecord(tenantId))?.avpTemplateIds[SHARE_TEMPLATE];
      const edited: PolicyFiles = {
        ...files,
        templates: { ...files.templates, [SHARE_TEMPLATE]: `${files.templates[SHARE_TEMPLATE]}\n// reviewed` },
      };

      // Act
      const result = await syncPolicyStores(store, [tenantId], edited, schema, { dryRun: false });

      // Assess
      expect(result[0]?.changes).toEqual([{ op: 'update', kind: 'template', id: SHARE_TEMPLATE }]);
      expect(linksOf(policyStoreId)).toEqual(expectedLinks(templateId));
    });

    it('drops a pending link whose template is no longer in the store, as removing a template revokes its shares', async () => {
      // Prepare
      const tenantId = 'acme';
      const { store, policyStoreId } = await storeWithShares(tenantId);
      const record = await stores.getRecord(tenantId);
      await stores.putRecord(
        {
          ...(record ?? { tenantId, policies: {}, templates: {}, avpTemplateIds: {} }),
          pendingLinks: [
            {
              template: 'retired-template',
              name: 'share-retired',
              principal: { entityType: ENTITY_TYPES.user, entityId: 'bob' },
              resource: { entityType: ENTITY_TYPES.document, entityId: 'old' },
            },
          ],
        },
        record?.version,
      );

      // Act
      const result = await syncPolicyStores(store, [tenantId], files, schema, { dryRun: false });

      // Assess
      expect(result[0]?.status).toBe('updated');
      expect((await stores.getRecord(tenantId))?.pendingLinks).toBeUndefined();
      expect(linksOf(policyStoreId)).toEqual(expectedLinks(record?.avpTemplateIds[SHARE_TEMPLATE]));
    });

    it('finishes a run that stopped after creating the new copy but before the registry recorded it', async () => {
      // Prepare: the new copy exists (no links, grants nothing), the registry still names the old one.
      const tenantId = 'acme';
      const { store, policyStoreId } = await storeWithShares(tenantId);
      await client.send(
        new CreatePolicyTemplateCommand({
          policyStoreId,
          name: `name/template-${SHARE_TEMPLATE}_r`,
          statement: rescoped().templates[SHARE_TEMPLATE],
        }),
      );

      // Act
      const plan = await store.plan(tenantId, rescoped(), schema);
      const result = await syncPolicyStores(store, [tenantId], rescoped(), schema, { dryRun: false });
      const again = await syncPolicyStores(store, [tenantId], rescoped(), schema, { dryRun: true });

      // Assess
      const templateId = (await stores.getRecord(tenantId))?.avpTemplateIds[SHARE_TEMPLATE];
      expect(plan).toEqual([
        { op: 'replace', kind: 'template', id: SHARE_TEMPLATE },
        { op: 'delete', kind: 'template', id: `${SHARE_TEMPLATE} (duplicate, its links moved)` },
      ]);
      expect(result[0]?.status).toBe('updated');
      expect(again[0]?.status).toBe('in-sync');
      expect([...avp.store(policyStoreId).templates.keys()]).toEqual([templateId]);
      expect(linksOf(policyStoreId)).toEqual(expectedLinks(templateId));
    });

    /**
     * The repository's files plus a forbid template (`blocked-reader`), and the same with that template's resource
     * scope widened: a replacement, which moving links would make lift each forbid for a moment.
     */
    const forbidTemplate = () => {
      const withForbid: PolicyFiles = {
        ...files,
        templates: {
          ...files.templates,
          'blocked-reader': 'forbid (principal == ?principal, action, resource == ?resource);',
        },
      };
      const rescopedForbid: PolicyFiles = {
        ...withForbid,
        templates: {
          ...withForbid.templates,
          'blocked-reader': 'forbid (principal == ?principal, action, resource in ?resource);',
        },
      };
      return { withForbid, rescopedForbid };
    };

    it('refuses to replace a forbid template that has links, and writes nothing', async () => {
      // Prepare
      const { withForbid, rescopedForbid } = forbidTemplate();
      const tenantId = 'hooli';
      const store = new AvpPolicyStore(client, stores);
      const { record } = await store.create(tenantId, withForbid, schema);
      const policyStoreId = record.policyStoreId ?? '';
      avp.store(policyStoreId).policies.set('BLOCK1', {
        policyId: 'BLOCK1',
        templateId: record.avpTemplateIds['blocked-reader'] ?? '',
        principal: { entityType: ENTITY_TYPES.user, entityId: 'bob' },
        resource: { entityType: ENTITY_TYPES.document, entityId: 'plan-1' },
      });
      avp.writes = 0;

      // Act
      const result = await syncPolicyStores(store, [tenantId], rescopedForbid, schema, { dryRun: false });

      // Assess
      expect(result[0]?.status).toBe('failed');
      expect(result[0]?.error).toMatch(/forbid with linked policies/);
      expect(avp.writes).toBe(0);
      expect(avp.store(policyStoreId).policies.get('BLOCK1')?.templateId).toBe(record.avpTemplateIds['blocked-reader']);
    });

    it('replaces a forbid template without links like any other', async () => {
      // Prepare
      const { withForbid, rescopedForbid } = forbidTemplate();
      const tenantId = 'vandelay';
      const store = new AvpPolicyStore(client, stores);
      await store.create(tenantId, withForbid, schema);

      // Act
      const result = await syncPolicyStores(store, [tenantId], rescopedForbid, schema, { dryRun: false });
      const again = await syncPolicyStores(store, [tenantId], rescopedForbid, schema, { dryRun: true });

      // Assess
      expect(result[0]?.status).toBe('updated');
      expect(again[0]?.status).toBe('in-sync');
    });
  });
});
