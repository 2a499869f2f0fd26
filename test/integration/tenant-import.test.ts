import {
  type BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  paginateScan,
} from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { sequentialImport } from '../../bench/sequential-import';
import { localDynamoDBClient } from '../../local/dynamodb-local';
import { importSeed, parseSeed, type SeedTenant } from '../../shared/operations/tenant-seed';
import { makeBinding } from '../../shared/registry/binding';
import { TenantAdmin } from '../../shared/registry/tenant-admin';
import { DEFAULT_TIERS } from '../../shared/registry/tiers';
import { BindingConflictError, SeatLimitError } from '../../shared/runtime/errors';
import { enforceDynamoDBLimits, type RequestLimits } from '../support/dynamodb-limits';
import { createTestRegistry, type TestRegistry } from '../support/registry';

/** A seed of `count` tenants `<prefix>-<i>`, each with a domain binding and one member of its own. */
function bulkSeed(prefix: string, count: number, extra: (i: number) => object = () => ({})): SeedTenant[] {
  return parseSeed(
    JSON.stringify({
      tenants: Array.from({ length: count }, (_, i) => ({
        tenantId: `${prefix}-${i}`,
        name: `Tenant ${i}`,
        tier: 'free',
        bindings: [{ kind: 'domain', domain: `${prefix}-${i}.example` }],
        members: [{ sub: `${prefix}-user-${i}` }],
        ...extra(i),
      })),
    }),
    DEFAULT_TIERS,
  );
}

/** Every item of the table, with what differs from one write to the next (times, ids) blanked out. */
async function tableContents(client: DynamoDBClient, tableName: string): Promise<string[]> {
  const items: string[] = [];
  for await (const page of paginateScan({ client }, { TableName: tableName })) {
    for (const item of page.Items ?? []) {
      const copy: Record<string, unknown> = { ...item };
      for (const name of ['createdAt', 'updatedAt', 'joinedAt', 'boundAt', 'at', 'requestId']) {
        if (name in copy) copy[name] = '…';
      }
      const sk = item.sk?.S ?? '';
      if (sk.startsWith('AUDIT#')) copy.sk = 'AUDIT#…';
      items.push(JSON.stringify(copy, Object.keys(copy).sort()));
    }
  }
  return items.sort();
}

/** The actions of a tenant's audit trail, newest first. */
async function auditActions(registry: TenantAdmin, tenantId: string): Promise<string[]> {
  return (await registry.listAudit(tenantId, { limit: 100 })).entries.map((entry) => entry.action);
}

/** A registry over the test table whose client holds every request to the API's limits. */
function limitedRegistry(test: TestRegistry): { registry: TenantAdmin; limits: RequestLimits; client: DynamoDBClient } {
  const client = localDynamoDBClient(test.endpoint);
  const limits = enforceDynamoDBLimits(client);
  return { registry: new TenantAdmin({ client, tableName: test.tableName, tiers: DEFAULT_TIERS }), limits, client };
}

describe('tenants import: new tenants written whole, in few round trips', () => {
  let test: TestRegistry;

  beforeEach(async () => {
    test = await createTestRegistry();
  });

  it('writes exactly the items the sequential import wrote, for tenants of every shape', async () => {
    // Prepare: statuses, admins, every binding kind, role mappings, no members, a user in two tenants
    const seed = parseSeed(
      JSON.stringify({
        tenants: [
          {
            tenantId: 'shape-a',
            name: 'A',
            tier: 'standard',
            roleMappings: { Admins: 'tenant-admin' },
            bindings: [
              { kind: 'domain', domain: 'shape-a.example' },
              { kind: 'idp', userPoolId: 'us-east-1_Shape1', providerName: 'ShapeSAML' },
              { kind: 'client', clientId: 'shapeclient1' },
            ],
            members: [{ sub: 'shape-u1', role: 'tenant-admin' }, { sub: 'shape-u2' }],
          },
          { tenantId: 'shape-b', name: 'B', tier: 'free', status: 'suspended', members: [{ sub: 'shape-u1' }] },
          { tenantId: 'shape-c', name: 'C', tier: 'free', status: 'disabled' },
          {
            tenantId: 'shape-d',
            name: 'D',
            tier: 'enterprise',
            bindings: [{ kind: 'pool', userPoolId: 'us-east-1_ShapePool' }],
          },
        ],
      }),
      DEFAULT_TIERS,
    );
    const reference = await createTestRegistry();

    // Act
    const result = await importSeed(test.registry, seed);
    await sequentialImport(reference.registry, seed);

    // Assess
    expect(result.created).toEqual(['shape-a', 'shape-b', 'shape-c', 'shape-d']);
    expect(await tableContents(test.client, test.tableName)).toEqual(
      await tableContents(reference.client, reference.tableName),
    );
    expect(await auditActions(test.registry, 'shape-b')).toEqual([
      'status-changed',
      'member-assigned',
      'tenant-created',
    ]);
    expect(await test.registry.listMemberships('shape-u1')).toMatchObject({ activeTenantId: 'shape-a' });
  });

  it('groups new tenants into transactions of at most 100 actions and reads in batches of at most 100 keys, and a re-import changes nothing', async () => {
    // Prepare: 60 tenants of 9 actions and 3 keys each
    const seed = bulkSeed('bulk', 60);
    const { registry, limits } = limitedRegistry(test);

    // Act
    const first = await importSeed(registry, seed);
    const before = await tableContents(test.client, test.tableName);
    const second = await importSeed(registry, seed);

    // Assess
    expect(first).toMatchObject({ bindings: 60, members: 60, updated: [] });
    expect(first.created).toHaveLength(60);
    expect(second).toMatchObject({ created: [], bindings: 60, members: 0 });
    expect(second.updated).toHaveLength(60);
    expect(await tableContents(test.client, test.tableName)).toEqual(before);
    // 11 tenants (99 actions) per transaction, 33 tenants (99 keys) per read.
    expect(limits.transactions.slice(0, 6)).toEqual([99, 99, 99, 99, 99, 45]);
    expect(limits.batchGets.slice(0, 2)).toEqual([99, 81]);
    const tenants = await registry.listTenants();
    expect(tenants.every((tenant) => tenant.seats === 1 && tenant.status === 'active')).toBe(true);
    expect(await registry.resolveBinding(makeBinding('domain', 'bulk-59.example'))).toBe('bulk-59');
    expect(await auditActions(registry, 'bulk-7')).toEqual(['binding-added', 'member-assigned', 'tenant-created']);
  });

  it('writes a tenant too large for one transaction step by step, status last, and reads its keys in several batches', async () => {
    // Prepare: 120 members (482 actions, 121 keys) in a tier with room for them
    const members = Array.from({ length: 120 }, (_, i) => ({ sub: `big-user-${i}` }));
    const seed = parseSeed(
      JSON.stringify({
        tenants: [
          { tenantId: 'big', name: 'Big', tier: 'standard', status: 'suspended', members: members.slice(0, 100) },
          { tenantId: 'big-two', name: 'Big 2', tier: 'enterprise', members },
        ],
      }),
      DEFAULT_TIERS,
    );
    const { registry, limits } = limitedRegistry(test);

    // Act
    const result = await importSeed(registry, seed);

    // Assess
    expect(result).toMatchObject({ created: ['big', 'big-two'], members: 220 });
    expect(Math.max(...limits.batchGets)).toBeLessThanOrEqual(100);
    expect(Math.max(...limits.transactions)).toBeLessThanOrEqual(100);
    expect(await registry.requireTenant('big-two')).toMatchObject({ seats: 120 });
    expect(await registry.listMembers('big')).toHaveLength(100);
    // Its members joined while it was active; then it took the seed's status.
    expect(await registry.requireTenant('big')).toMatchObject({ status: 'suspended', seats: 100 });
    expect((await auditActions(registry, 'big'))[0]).toBe('status-changed');
  });

  it('asks again for the keys a BatchGetItem leaves unprocessed', async () => {
    // Prepare: a client whose first BatchGetItem reads half its keys and returns the rest as UnprocessedKeys
    const { registry, client } = limitedRegistry(test);
    const seed = bulkSeed('partial', 10);
    await importSeed(test.registry, seed.slice(0, 5));
    let batchGets = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'BatchGetItemCommand' || ++batchGets > 1) return next(args);
        const input = args.input as ConstructorParameters<typeof BatchGetItemCommand>[0];
        const [table, request] = Object.entries(input.RequestItems ?? {})[0] ?? [];
        const keys = request?.Keys ?? [];
        const half = Math.ceil(keys.length / 2);
        const read = await next({
          ...args,
          input: { RequestItems: { [table as string]: { ...request, Keys: keys.slice(0, half) } } },
        });
        const output = read.output as BatchGetItemCommandOutput;
        return {
          ...read,
          output: { ...output, UnprocessedKeys: { [table as string]: { ...request, Keys: keys.slice(half) } } },
        };
      },
      { step: 'initialize' },
    );

    // Act
    const result = await importSeed(registry, seed);

    // Assess
    expect(batchGets).toBe(2);
    expect(result.created).toEqual(seed.slice(5).map((tenant) => tenant.tenantId));
    expect(result.updated).toEqual(seed.slice(0, 5).map((tenant) => tenant.tenantId));
    expect(result.members).toBe(5);
  });

  it('refuses a seed whose members exceed a tier seat limit before writing anything', async () => {
    // Prepare: the free tier has 5 seats
    const seed = parseSeed(
      JSON.stringify({
        tenants: [
          { tenantId: 'roomy', name: 'Roomy', tier: 'free', members: [{ sub: 'room-1' }] },
          {
            tenantId: 'crowded',
            name: 'Crowded',
            tier: 'free',
            members: Array.from({ length: 6 }, (_, i) => ({ sub: `crowd-${i}` })),
          },
        ],
      }),
      DEFAULT_TIERS,
    );

    // Act
    const failure = await importSeed(test.registry, seed).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(SeatLimitError);
    expect(await test.registry.listTenants()).toEqual([]);
  });
});

describe('tenants import: a tenant that changed since the check does not fail the others of its transaction', () => {
  let test: TestRegistry;

  beforeEach(async () => {
    test = await createTestRegistry();
  });

  /** A registry whose first transaction is preceded by `meanwhile` (someone else's write after the check). */
  function raced(meanwhile: () => Promise<unknown>) {
    const { registry, client, limits } = limitedRegistry(test);
    let raced = false;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand' && !raced) {
          raced = true;
          await meanwhile();
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    return { registry, limits };
  }

  it('writes the other tenants and updates the one created meanwhile', async () => {
    // Prepare
    const seed = bulkSeed('race', 5);
    const { registry, limits } = raced(() =>
      test.registry.createTenant({ tenantId: 'race-2', name: 'Theirs', tier: 'free' }),
    );

    // Act
    const result = await importSeed(registry, seed);

    // Assess
    expect(limits.transactions[0]).toBe(45);
    expect(result.created).toEqual(['race-0', 'race-1', 'race-3', 'race-4']);
    expect(result.updated).toEqual(['race-2']);
    expect(await registry.requireTenant('race-2')).toMatchObject({ name: 'Theirs', seats: 1 });
    expect((await registry.listTenants()).map((tenant) => tenant.seats)).toEqual([1, 1, 1, 1, 1]);
  });

  it('writes the other tenants and nothing of the one whose binding was taken meanwhile', async () => {
    // Prepare
    const seed = bulkSeed('taken', 5);
    const { registry } = raced(async () => {
      await test.registry.createTenant({ tenantId: 'thief', name: 'Thief', tier: 'free' });
      await test.registry.bind('thief', makeBinding('domain', 'taken-3.example'));
    });

    // Act
    const failure = await importSeed(registry, seed).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(BindingConflictError);
    expect((await registry.listTenants()).map((tenant) => tenant.tenantId)).toEqual([
      'taken-0',
      'taken-1',
      'taken-2',
      'taken-4',
      'thief',
    ]);
    expect(await registry.getUserTenantId('taken-user-3')).toBeUndefined();
    expect(await registry.getUserTenantId('taken-user-4')).toBe('taken-4');
  });
});

describe('tenants import: a failure leaves each tenant whole or absent, and a rerun completes it', () => {
  it('keeps every tenant whole or absent when a transaction fails midway, then completes on a rerun', async () => {
    // Prepare: 40 tenants (4 transactions at one in flight); the 2nd transaction fails
    const test = await createTestRegistry();
    const { registry, client } = limitedRegistry(test);
    let transactions = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand' && ++transactions === 2) {
          throw new Error('connection reset');
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const seed = bulkSeed('half', 40);

    // Act
    const failure = await importSeed(registry, seed).catch((error: unknown) => error);
    const states = await Promise.all(
      seed.map(async ({ tenantId }, i) => [
        (await test.registry.getTenant(tenantId))?.seats,
        await test.registry.resolveBinding(makeBinding('domain', `half-${i}.example`)),
        await test.registry.getUserTenantId(`half-user-${i}`),
        (await auditActions(test.registry, tenantId)).length,
      ]),
    );
    const rerun = await importSeed(test.registry, seed);

    // Assess
    expect(failure).toMatchObject({ name: 'RegistryUnavailableError' });
    const whole = states.filter(
      ([seats, holder, active, audit], i) => seats === 1 && holder === `half-${i}` && active === holder && audit === 3,
    );
    const absent = states.filter((state) => state.every((fact) => fact === undefined || fact === 0));
    expect(whole.length + absent.length).toBe(40);
    expect(whole.length).toBe(11);
    expect(rerun.created).toHaveLength(29);
    expect(rerun.updated).toHaveLength(11);
    const after = await Promise.all(seed.map(({ tenantId }) => auditActions(test.registry, tenantId)));
    expect(after.every((actions) => actions.length === 3)).toBe(true);
    expect((await test.registry.listTenants()).every((tenant) => tenant.seats === 1)).toBe(true);
  });
});

describe('tenants import: users shared by tenants are added in seed order', () => {
  it('makes each user first tenant in the seed its active one, across grouped, existing and large tenants', async () => {
    // Prepare: an existing tenant between new ones, users shared forwards and backwards, many transactions in flight
    const test = await createTestRegistry();
    await test.registry.createTenant({ tenantId: 'order-mid', name: 'Mid', tier: 'standard' });
    const tenants = [
      { tenantId: 'order-a', name: 'A', tier: 'free', members: [{ sub: 'order-u1' }] },
      { tenantId: 'order-mid', name: 'Mid', tier: 'standard', members: [{ sub: 'order-u1' }, { sub: 'order-u2' }] },
      { tenantId: 'order-b', name: 'B', tier: 'free', members: [{ sub: 'order-u2' }, { sub: 'order-u3' }] },
      ...Array.from({ length: 20 }, (_, i) => ({
        tenantId: `order-x${i}`,
        name: `X${i}`,
        tier: 'free',
        members: [{ sub: i % 2 === 0 ? 'order-u3' : `order-solo-${i}` }],
      })),
    ];
    const seed = parseSeed(JSON.stringify({ tenants }), DEFAULT_TIERS);
    const { registry } = limitedRegistry(test);

    // Act
    const result = await importSeed(registry, seed, { concurrency: 16, transactions: 8 });

    // Assess
    expect(result.updated).toEqual(['order-mid']);
    expect(await registry.getUserTenantId('order-u1')).toBe('order-a');
    expect(await registry.getUserTenantId('order-u2')).toBe('order-mid');
    expect(await registry.getUserTenantId('order-u3')).toBe('order-b');
    expect((await registry.listMemberships('order-u3')).memberships).toHaveLength(11);
  });
});
