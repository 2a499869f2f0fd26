import {
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CorruptItemError, type Item, readN, readS, readStringMap } from '../../shared/registry/dynamo-item';
import { membershipFromItem, tenantFromItem, userFromItem } from '../../shared/registry/registry-items';
import { TenantAdmin } from '../../shared/registry/tenant-admin';
import { TenantRegistry } from '../../shared/registry/tenant-registry';
import { DEFAULT_TIERS } from '../../shared/registry/tiers';
import { WritableRegistryTable } from '../../shared/registry/writable-registry-table';
import {
  RegistryUnavailableError,
  TenancyError,
  TenantExistsError,
  TenantNotFoundError,
} from '../../shared/runtime/errors';

const TENANT: Item = {
  pk: { S: 'TENANT#acme' },
  sk: { S: 'TENANT' },
  tenantId: { S: 'acme' },
  name: { S: 'Acme' },
  tier: { S: 'free' },
  status: { S: 'active' },
  seats: { N: '2' },
  roleMappings: { M: { Admins: { S: 'tenant-admin' } } },
  createdAt: { S: '2026-01-01T00:00:00.000Z' },
  updatedAt: { S: '2026-01-01T00:00:00.000Z' },
};

const MEMBERSHIP: Item = {
  pk: { S: 'TENANT#acme' },
  sk: { S: 'USER#sub-1' },
  tenantId: { S: 'acme' },
  sub: { S: 'sub-1' },
  role: { S: 'tenant-member' },
  source: { S: 'invite' },
  joinedAt: { S: '2026-01-01T00:00:00.000Z' },
};

describe('registry items the registry did not write fail closed', () => {
  it('reads a tenant item the registry wrote', () => {
    // Act
    const tenant = tenantFromItem(TENANT);

    // Assess
    expect(tenant).toMatchObject({
      tenantId: 'acme',
      status: 'active',
      seats: 2,
      roleMappings: { Admins: 'tenant-admin' },
    });
  });

  it.each<[string, Item]>([
    ['an unknown status', { ...TENANT, status: { S: 'superuser' } }],
    ['a missing name', { ...TENANT, name: undefined } as unknown as Item],
    ['a status of the wrong type', { ...TENANT, status: { N: '1' } }],
    ['seats that are not a number', { ...TENANT, seats: { N: 'many' } }],
    ['seats stored as a string', { ...TENANT, seats: { S: '2' } }],
    ['role mappings that are not a map', { ...TENANT, roleMappings: { S: 'tenant-admin' } }],
    ['a role mapping that is not a string', { ...TENANT, roleMappings: { M: { Admins: { N: '1' } } } }],
  ])('refuses a tenant item with %s', (_case, item) => {
    // Act & Assess
    expect(() => tenantFromItem(item)).toThrow(CorruptItemError);
  });

  it('reads absent role mappings as none', () => {
    // Act & Assess
    expect(tenantFromItem({ ...TENANT, roleMappings: undefined } as unknown as Item).roleMappings).toEqual({});
  });

  it('refuses a membership with an unknown source, and names the item', () => {
    // Act
    let error: unknown;
    try {
      membershipFromItem({ ...MEMBERSHIP, source: { S: 'backdoor' } });
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(CorruptItemError);
    expect(error).toMatchObject({ pk: 'TENANT#acme', attribute: 'source' });
    expect((error as TenancyError).userMessage).toBe('The service is temporarily unavailable. Please try again.');
  });

  it('reads a membership written before memberships had a status as active, and refuses an unknown status', () => {
    // Act
    const legacy = membershipFromItem(MEMBERSHIP);
    const invited = membershipFromItem({ ...MEMBERSHIP, status: { S: 'invited' } });
    const forged = () => membershipFromItem({ ...MEMBERSHIP, status: { S: 'owner' } });

    // Assess
    expect(legacy.status).toBe('active');
    expect(invited.status).toBe('invited');
    expect(forged).toThrow(CorruptItemError);
  });

  it('reads a user item: the active tenant, and the Cognito location only when both parts are there', () => {
    // Act
    const legacy = userFromItem({ pk: { S: 'USER#s' }, sk: { S: 'TENANT' }, tenantId: { S: 'acme' } });
    const recorded = userFromItem({
      pk: { S: 'USER#s' },
      sk: { S: 'TENANT' },
      userPoolId: { S: 'us-east-1_Pool' },
      username: { S: 'jane' },
    });
    const half = userFromItem({ pk: { S: 'USER#s' }, sk: { S: 'TENANT' }, username: { S: 'jane' } });

    // Assess
    expect(legacy).toEqual({ activeTenantId: 'acme', directoryUser: undefined });
    expect(recorded).toEqual({
      activeTenantId: undefined,
      directoryUser: { userPoolId: 'us-east-1_Pool', username: 'jane' },
    });
    expect(half.directoryUser).toBeUndefined();
    expect(userFromItem(undefined)).toEqual({ activeTenantId: undefined, directoryUser: undefined });
  });

  it('names an item without a key as "?"', () => {
    // Act & Assess
    expect(() => readS({}, 'tenantId')).toThrow('registry item ? has a missing or malformed "tenantId"');
    expect(() => readN({}, 'seats')).toThrow(CorruptItemError);
    expect(() => readStringMap({ m: { S: 'x' } }, 'm')).toThrow(CorruptItemError);
    expect(() => readStringMap({ m: { M: { k: { BOOL: true } } } }, 'm')).toThrow('"m.k"');
  });

  it('never crashes on arbitrary items: a tenant or a CorruptItemError', () => {
    // Prepare
    const attribute = fc.oneof(
      fc.record({ S: fc.string() }),
      fc.record({ N: fc.string() }),
      fc.record({ M: fc.dictionary(fc.string(), fc.record({ S: fc.string() })) }),
    );
    const item = fc.dictionary(
      fc.constantFrom('pk', 'tenantId', 'name', 'tier', 'status', 'seats', 'roleMappings', 'createdAt', 'updatedAt'),
      attribute,
    );

    // Act & Assess
    fc.assert(
      fc.property(item, (candidate) => {
        try {
          const tenant = tenantFromItem(candidate as Item);
          expect(['active', 'suspended', 'disabled']).toContain(tenant.status);
        } catch (error) {
          expect(error).toBeInstanceOf(CorruptItemError);
        }
      }),
    );
  });
});

describe('registry table plumbing', () => {
  const dynamo = mockClient(DynamoDBClient);
  let table: WritableRegistryTable;

  beforeEach(() => {
    dynamo.reset();
    vi.useFakeTimers();
    table = new WritableRegistryTable(new DynamoDBClient({}), 'registry', () => new Date(0));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  const cancelled = (...codes: string[]) =>
    new TransactionCanceledException({
      message: 'cancelled',
      $metadata: {},
      CancellationReasons: codes.map((Code) => ({ Code })),
    });

  it('retries a transaction cancelled only by a concurrent one, then succeeds', async () => {
    // Prepare
    dynamo
      .on(TransactWriteItemsCommand)
      .rejectsOnce(cancelled('TransactionConflict', 'None'))
      .rejectsOnce(cancelled('None', 'TransactionConflict'))
      .resolves({});

    // Act
    const result = table.transact('test', []);
    await vi.runAllTimersAsync();

    // Assess
    expect(await result).toBeUndefined();
    expect(dynamo.commandCalls(TransactWriteItemsCommand)).toHaveLength(3);
  });

  it('reports which conditions failed, without retrying', async () => {
    // Prepare
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'TransactionConflict'));

    // Act
    const reasons = await table.transact('test', []);

    // Assess
    expect(reasons).toEqual([false, true, false]);
    expect(dynamo.commandCalls(TransactWriteItemsCommand)).toHaveLength(1);
  });

  it('gives up as unavailable after a bounded number of conflicts', async () => {
    // Prepare
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled('TransactionConflict'));

    // Act
    const result = table.transact('bind', []).catch((error: unknown) => error);
    await vi.runAllTimersAsync();

    // Assess
    expect(await result).toBeInstanceOf(RegistryUnavailableError);
    expect(dynamo.commandCalls(TransactWriteItemsCommand)).toHaveLength(9);
  });

  it.each([
    ['a cancellation for another reason', cancelled('ThrottlingError')],
    ['a cancellation without reasons', new TransactionCanceledException({ message: 'x', $metadata: {} })],
    ['a network failure', new Error('socket hang up')],
  ])('maps %s to RegistryUnavailableError naming the operation', async (_case, failure) => {
    // Prepare
    dynamo.on(TransactWriteItemsCommand).rejects(failure);

    // Act
    const error = await table.transact('addMember', []).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect((error as Error).message).toBe('tenant registry unavailable during addMember');
    expect((error as Error).cause).toBe(failure);
  });

  it('passes a TenancyError through unchanged', async () => {
    // Prepare
    const refusal = new TenantNotFoundError('acme');

    // Act
    const error = await table.send('getTenant', () => Promise.reject(refusal)).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBe(refusal);
  });

  it('maps a failed read and a failed create to RegistryUnavailableError, a taken id to TenantExistsError', async () => {
    // Prepare
    dynamo.on(GetItemCommand).rejects(new Error('timeout'));
    dynamo
      .on(TransactWriteItemsCommand)
      .rejectsOnce(new Error('timeout'))
      .rejectsOnce(cancelled('ConditionalCheckFailed', 'None'));
    const registry = new TenantRegistry({
      client: new DynamoDBClient({}),
      tableName: 'registry',
      tiers: DEFAULT_TIERS,
    });

    // Act
    const read = await registry.getTenant('acme').catch((caught: unknown) => caught);
    const created = await registry
      .createTenant({ tenantId: 'acme', name: 'Acme', tier: 'free' })
      .catch((caught: unknown) => caught);
    const taken = await registry
      .createTenant({ tenantId: 'acme', name: 'Acme', tier: 'free' })
      .catch((caught: unknown) => caught);

    // Assess
    expect(read).toBeInstanceOf(RegistryUnavailableError);
    expect(created).toBeInstanceOf(RegistryUnavailableError);
    expect(taken).toBeInstanceOf(TenantExistsError);
  });
});

describe('operator registry writes on failure paths', () => {
  const dynamo = mockClient(DynamoDBClient);
  const MEMBER = (sub: string) => ({ ...MEMBERSHIP, sk: { S: `USER#${sub}` }, sub: { S: sub } });
  let admin: TenantAdmin;

  beforeEach(() => {
    dynamo.reset();
    admin = new TenantAdmin({ client: new DynamoDBClient({}), tableName: 'registry', tiers: DEFAULT_TIERS });
  });

  it('maps a failed status change and a failed listing to RegistryUnavailableError', async () => {
    // Prepare
    dynamo.on(GetItemCommand).rejects(new Error('timeout'));
    dynamo.on(ScanCommand).rejects(new Error('timeout'));

    // Act
    const update = await admin.setStatus('acme', 'suspended').catch((caught: unknown) => caught);
    const listing = await admin.listTenants().catch((caught: unknown) => caught);

    // Assess
    expect(update).toBeInstanceOf(RegistryUnavailableError);
    expect(listing).toBeInstanceOf(RegistryUnavailableError);
  });

  it('returns an already transferred membership, and refuses a transfer of nothing', async () => {
    // Prepare: the placeholder is gone; the user holds the membership (a finished transfer)
    dynamo.on(GetItemCommand, { Key: { pk: { S: 'TENANT#acme' }, sk: { S: 'USER#placeholder' } } }).resolves({});
    dynamo.on(GetItemCommand, { Key: { pk: { S: 'TENANT#acme' }, sk: { S: 'USER#sub-1' } } }).resolves({
      Item: MEMBER('sub-1'),
    });
    dynamo.on(GetItemCommand, { Key: { pk: { S: 'TENANT#acme' }, sk: { S: 'USER#sub-2' } } }).resolves({});

    // Act
    const done = await admin.transferMembership('acme', 'placeholder', 'sub-1');
    const nothing = await admin.transferMembership('acme', 'placeholder', 'sub-2').catch((caught: unknown) => caught);

    // Assess
    expect(done.sub).toBe('sub-1');
    expect(nothing).toBeInstanceOf(TenancyError);
    expect((nothing as Error).message).toBe('user placeholder has no membership in tenant acme to transfer');
  });

  it('reports a transfer the registry cancels as a TenancyError, and a removal of nothing as not removed', async () => {
    // Prepare
    dynamo.on(GetItemCommand).resolves({});
    dynamo.on(GetItemCommand, { Key: { pk: { S: 'TENANT#acme' }, sk: { S: 'USER#placeholder' } } }).resolves({
      Item: MEMBER('placeholder'),
    });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(TransactWriteItemsCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }],
      }),
    );

    // Act
    const failed = await admin.transferMembership('acme', 'placeholder', 'sub-9').catch((caught: unknown) => caught);
    const removed = await admin.removeMember('acme', 'sub-8');

    // Assess
    expect(failed).toBeInstanceOf(TenancyError);
    expect((failed as Error).message).toBe('could not transfer the membership of placeholder in tenant acme to sub-9');
    expect(removed).toMatchObject({ removed: false, membership: undefined, activeChanged: false });
  });
});
