import {
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DirectoryAdmin } from '../../shared/cognito/directory-admin';
import { migrateRegistry } from '../../shared/operations/registry-migration';
import type { Item } from '../../shared/registry/dynamo-item';
import { TenantAdmin } from '../../shared/registry/tenant-admin';
import { DEFAULT_TIERS } from '../../shared/registry/tiers';
import {
  InvalidInputError,
  MembershipNotFoundError,
  RegistryUnavailableError,
  TenancyError,
  TenantInactiveError,
} from '../../shared/runtime/errors';

// The registry's retry and refusal paths that concurrency on DynamoDB Local reaches only by chance:
// each transaction outcome is forced here, one cancellation reason per item as DynamoDB reports them.
const dynamo = mockClient(DynamoDBClient);
const ROLES = { roleGroups: ['tenant-admin', 'tenant-member'], memberRole: 'tenant-member', adminRole: 'tenant-admin' };

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const membership = (tenantId: string, sub: string, role = 'tenant-member'): Item => ({
  pk: { S: `TENANT#${tenantId}` },
  sk: { S: `USER#${sub}` },
  tenantId: { S: tenantId },
  sub: { S: sub },
  role: { S: role },
  status: { S: 'active' },
  source: { S: 'domain' },
  joinedAt: { S: '2026-01-01T00:00:00.000Z' },
});

const tenant = (tenantId: string, status = 'active'): Item => ({
  pk: { S: `TENANT#${tenantId}` },
  sk: { S: 'TENANT' },
  tenantId: { S: tenantId },
  name: { S: tenantId },
  tier: { S: 'free' },
  status: { S: status },
  seats: { N: '2' },
  roleMappings: { M: {} },
  createdAt: { S: '2026-01-01T00:00:00.000Z' },
  updatedAt: { S: '2026-01-01T00:00:00.000Z' },
});

const key = (pk: string, sk: string) => ({ Key: { pk: { S: pk }, sk: { S: sk } } });

describe('membership writes on forced transaction outcomes', () => {
  let admin: TenantAdmin;

  beforeEach(() => {
    dynamo.reset();
    // Transaction retries back off with real timers; these tests make them instant.
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((run: () => void) => {
      run();
      return 0;
    }) as unknown as typeof setTimeout);
    admin = new TenantAdmin({ client: new DynamoDBClient({}), tableName: 'registry', tiers: DEFAULT_TIERS });
    dynamo.on(GetItemCommand).resolves({});
    dynamo.on(QueryCommand).resolves({ Items: [] });
  });

  afterEach(() => vi.restoreAllMocks());

  it('reads a role change again when the membership changed meanwhile, then gives up as unavailable', async () => {
    // Prepare
    dynamo.on(GetItemCommand, key('TENANT#acme', 'USER#sub-1')).resolves({ Item: membership('acme', 'sub-1') });
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None', 'None'));

    // Act
    const error = await admin.setRole('acme', 'sub-1', 'tenant-admin').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(dynamo.commandCalls(TransactWriteItemsCommand).length).toBe(9);
  });

  it('reports a promotion refused on a tenant item that is gone as unavailable, not as the last admin', async () => {
    // Prepare
    dynamo.on(GetItemCommand, key('TENANT#acme', 'USER#sub-1')).resolves({ Item: membership('acme', 'sub-1') });
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled('None', 'None', 'ConditionalCheckFailed', 'None'));

    // Act
    const error = await admin.setRole('acme', 'sub-1', 'tenant-admin').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(RegistryUnavailableError);
  });

  it('reads a removal again when the active tenant moved meanwhile, and reports a refused seat as unavailable', async () => {
    // Prepare
    dynamo.on(GetItemCommand, key('TENANT#acme', 'USER#sub-1')).resolves({ Item: membership('acme', 'sub-1') });
    dynamo
      .on(TransactWriteItemsCommand)
      .rejectsOnce(cancelled('None', 'None', 'None', 'None', 'ConditionalCheckFailed'))
      .rejects(cancelled('None', 'None', 'ConditionalCheckFailed', 'None', 'None'));

    // Act
    const error = await admin.removeMember('acme', 'sub-1').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(dynamo.commandCalls(TransactWriteItemsCommand).length).toBe(2);
  });

  it('answers a switch to a tenant that vanished like a foreign one, and to a suspended one as inactive', async () => {
    // Prepare
    dynamo.on(GetItemCommand, key('TENANT#acme', 'USER#sub-1')).resolves({ Item: membership('acme', 'sub-1') });
    dynamo.on(GetItemCommand, key('TENANT#globex', 'USER#sub-1')).resolves({ Item: membership('globex', 'sub-1') });
    dynamo.on(GetItemCommand, key('TENANT#globex', 'TENANT')).resolves({ Item: tenant('globex', 'suspended') });
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None', 'None'));

    // Act
    const vanished = await admin.switchActiveTenant('sub-1', 'acme').catch((caught: unknown) => caught);
    const suspended = await admin.switchActiveTenant('sub-1', 'globex').catch((caught: unknown) => caught);

    // Assess
    expect(vanished).toBeInstanceOf(MembershipNotFoundError);
    expect(suspended).toBeInstanceOf(TenantInactiveError);
  });

  it('retries a switch whose active tenant changed meanwhile, then gives up as unavailable', async () => {
    // Prepare
    dynamo.on(GetItemCommand, key('TENANT#acme', 'USER#sub-1')).resolves({ Item: membership('acme', 'sub-1') });
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled('None', 'None', 'ConditionalCheckFailed', 'None'));

    // Act
    const error = await admin.switchActiveTenant('sub-1', 'acme').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(dynamo.commandCalls(TransactWriteItemsCommand).length).toBe(9);
  });

  it('refuses a switch to the active tenant when it is no longer active', async () => {
    // Prepare
    dynamo.on(GetItemCommand, key('TENANT#acme', 'USER#sub-1')).resolves({ Item: membership('acme', 'sub-1') });
    dynamo.on(GetItemCommand, key('TENANT#acme', 'TENANT')).resolves({ Item: tenant('acme', 'disabled') });
    dynamo.on(QueryCommand).resolves({
      Items: [{ pk: { S: 'USER#sub-1' }, sk: { S: 'TENANT' }, tenantId: { S: 'acme' } }],
    });

    // Act
    const error = await admin.switchActiveTenant('sub-1', 'acme').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(TenantInactiveError);
    expect(dynamo.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
  });

  it('refuses a membership whose reverse half exists alone, rather than guessing', async () => {
    // Prepare
    dynamo.on(GetItemCommand, key('TENANT#acme', 'TENANT')).resolves({ Item: tenant('acme') });
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None', 'None', 'None'));

    // Act
    const error = await admin
      .addMember({ tenantId: 'acme', sub: 'sub-1', role: 'tenant-member', source: 'operator' })
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(TenancyError);
    expect((error as Error).message).toBe('registry holds an inconsistent membership for user sub-1 in tenant acme');
  });

  it('reports records that could not be upgraded or located as not done', async () => {
    // Prepare
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    const legacy = {
      tenantId: 'acme',
      sub: 'sub-1',
      role: 'tenant-member',
      status: 'active',
      source: 'domain',
      joinedAt: '2026-01-01T00:00:00.000Z',
    } as const;

    // Act
    const upgraded = await admin.upgradeMembership(legacy, false, false);
    const nothing = await admin.upgradeMembership(legacy, true, true);
    const located = await admin.recordDirectoryUser('sub-1', { userPoolId: 'us-east-1_Pool1', username: 'jane' });
    const counted = await admin.setAdminCount('acme', 2, 1);
    const unchanged = await admin.setAdminCount('acme', 2, 2);

    // Assess
    expect([upgraded, nothing, located, counted, unchanged]).toEqual([false, false, false, false, true]);
  });
});

describe('migrateRegistry on forced outcomes', () => {
  let admin: TenantAdmin;

  beforeEach(() => {
    dynamo.reset();
    admin = new TenantAdmin({ client: new DynamoDBClient({}), tableName: 'registry', tiers: DEFAULT_TIERS });
  });

  it('refuses role group removal without a pool, and a pool without a directory, before reading anything', async () => {
    // Act
    const noPool = await migrateRegistry({ registry: admin, roles: ROLES }, { removeRoleGroups: true }).catch(
      (caught: unknown) => caught,
    );
    const noDirectory = await migrateRegistry(
      { registry: admin, roles: ROLES },
      { userPoolId: 'us-east-1_Pool1' },
    ).catch((caught: unknown) => caught);

    // Assess
    expect(noPool).toBeInstanceOf(InvalidInputError);
    expect(noDirectory).toBeInstanceOf(InvalidInputError);
    expect(dynamo.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it('counts admins again when a count changed meanwhile, and gives up when it keeps changing', async () => {
    // Prepare: one tenant whose admin count never settles
    dynamo
      .on(ScanCommand)
      .resolves({ Items: [{ ...tenant('acme'), admins: { N: '3' } }, membership('acme', 'a', 'tenant-admin')] });
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    // Act
    const error = await migrateRegistry({ registry: admin, roles: ROLES }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(dynamo.commandCalls(ScanCommand).length).toBe(6);
  });

  it('leaves a user the pool does not have unlocated', async () => {
    // Prepare
    dynamo
      .on(ScanCommand)
      .resolves({ Items: [{ pk: { S: 'USER#sub-9' }, sk: { S: 'TENANT' }, tenantId: { S: 'acme' } }] });
    const directory = { findBySub: async () => undefined } as unknown as DirectoryAdmin;

    // Act
    const report = await migrateRegistry(
      { registry: admin, roles: ROLES, directory },
      { userPoolId: 'us-east-1_Pool1' },
    );

    // Assess
    expect(report).toMatchObject({ usersLocated: 0, usersUnlocated: ['sub-9'] });
  });
});
