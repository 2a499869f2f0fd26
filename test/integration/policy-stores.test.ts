import { CreateTableCommand, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  AccessDeniedException,
  CreatePolicyCommand,
  CreatePolicyStoreAliasCommand,
  CreatePolicyStoreCommand,
  DeletePolicyCommand,
  GetPolicyStoreAliasCommand,
  ListPoliciesCommand,
  ListPolicyStoresCommand,
  ListPolicyTemplatesCommand,
  UpdatePolicyCommand,
  ValidationException,
  VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AvpPolicyStore, storeAlias } from '../../shared/operations/avp-policy-store';
import { EmbeddedPolicyStore } from '../../shared/operations/embedded-policy-store';
import { type PolicyFiles, readPolicyFiles } from '../../shared/operations/policy-files';
import { validatePolicyFiles } from '../../shared/operations/policy-plan';
import { syncPolicyStores } from '../../shared/operations/policy-store-sync';
import { SHARE_TEMPLATE } from '../../shared/policies/cedar-model';
import { createDecider } from '../../shared/policies/decide';
import { EmbeddedEngine } from '../../shared/policies/embedded-engine';
import { shareDocument } from '../../shared/policies/share-document';
import { TenantDataLinks } from '../../shared/policies/share-links';
import { CorruptItemError } from '../../shared/registry/dynamo-item';
import { PolicySetConflictError, PolicyStoreAdmin } from '../../shared/registry/policy-store-admin';
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
});
