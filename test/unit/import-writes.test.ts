import {
  BatchGetItemCommand,
  DynamoDBClient,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItemsInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { concurrencyLimit } from '../../shared/operations/concurrency-limit';
import { importSeed, parseSeed } from '../../shared/operations/tenant-seed';
import { makeBinding } from '../../shared/registry/binding';
import {
  assertTransactionLimits,
  type CompleteTenant,
  completeTenantActions,
  TenantAdmin,
} from '../../shared/registry/tenant-admin';
import { DEFAULT_TIERS } from '../../shared/registry/tiers';
import { InvalidInputError, RegistryUnavailableError, SeatLimitError } from '../../shared/runtime/errors';

// The import's grouped writes and batched reads, with DynamoDB's answers forced (aws-sdk-client-mock): what is
// sent, what is refused before sending (the API's documented limits), and each answer DynamoDB may give.
const dynamo = mockClient(DynamoDBClient);
const TABLE = 'import-unit';
const registry = () =>
  new TenantAdmin({ client: new DynamoDBClient({ region: 'us-east-1' }), tableName: TABLE, tiers: DEFAULT_TIERS });

const tenant = (id: string, members: number, extra: Partial<CompleteTenant> = {}): CompleteTenant => ({
  tenant: { tenantId: id, name: id, tier: 'enterprise' },
  members: Array.from({ length: members }, (_, i) => ({ sub: `${id}-user-${i}`, role: 'tenant-member' })),
  bindings: [],
  ...extra,
});

const sentActions = () =>
  dynamo
    .commandCalls(TransactWriteItemsCommand)
    .map((call) => (call.args[0].input as TransactWriteItemsInput).TransactItems ?? []);

beforeEach(() => {
  dynamo.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createTenants writes new tenants whole, within the limits of TransactWriteItems', () => {
  it('sends exactly as many actions as completeTenantActions counts, each on its own item', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom('active', 'suspended', 'disabled'),
        fc.subarray(['pool', 'idp', 'client', 'domain'] as const),
        fc.boolean(),
        async (members, status, kinds, admin) => {
          // Prepare
          dynamo.reset();
          dynamo.on(TransactWriteItemsCommand).resolves({});
          const bindings = kinds.map((kind) =>
            kind === 'pool' || kind === 'idp'
              ? makeBinding(kind, 'us-east-1_Pool1', kind === 'idp' ? 'Saml' : undefined)
              : makeBinding(kind, kind === 'client' ? 'client1' : 'example.com'),
          );
          const complete = tenant('shape', members, { bindings });
          const input: CompleteTenant = {
            ...complete,
            tenant: { ...complete.tenant, status },
            members: complete.members.map((member, i) => ({
              ...member,
              role: admin && i === 0 ? 'tenant-admin' : member.role,
            })),
          };

          // Act
          const conflicts = await registry().createTenants([input]);

          // Assess
          const [actions = []] = sentActions();
          expect(conflicts).toBeUndefined();
          expect(actions).toHaveLength(completeTenantActions(input));
          const ids = actions.map(
            (a) =>
              JSON.stringify(a.Put?.Item?.sk ?? a.Update?.Key?.sk) +
              JSON.stringify(a.Put?.Item?.pk ?? a.Update?.Key?.pk),
          );
          expect(new Set(ids).size).toBe(ids.length);
          const item = actions[0]?.Put?.Item;
          expect(item).toMatchObject({
            status: { S: status },
            seats: { N: String(members) },
            admins: { N: admin && members > 0 ? '1' : '0' },
          });
          expect(item?.siloPools).toEqual(kinds.includes('pool') ? { SS: ['us-east-1_Pool1'] } : undefined);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('orders the audit items of one transaction as they were made, though they share their time', async () => {
    // Prepare
    dynamo.on(TransactWriteItemsCommand).resolves({});
    vi.useFakeTimers({ now: new Date('2026-12-04T10:00:00Z'), toFake: ['Date'] });

    // Act
    await registry().createTenants([tenant('ordered', 3, { bindings: [makeBinding('domain', 'ordered.example')] })]);

    // Assess
    const audits = (sentActions()[0] ?? [])
      .map((action) => action.Put?.Item)
      .filter((item) => item?.sk?.S?.startsWith('AUDIT#'))
      .map((item) => ({ sk: item?.sk?.S ?? '', action: item?.action?.S }));
    expect(audits.map((audit) => audit.action)).toEqual([
      'tenant-created',
      'member-assigned',
      'member-assigned',
      'member-assigned',
      'binding-added',
    ]);
    expect(audits.map((audit) => audit.sk)).toEqual(audits.map((audit) => audit.sk).sort());
  });

  it.each([
    ['more than 100 actions', [tenant('big', 25)], 'at most 100 actions, not 102'],
    [
      'two tenants adding one user (two actions on the user item)',
      [tenant('one', 1), { ...tenant('two', 0), members: [{ sub: 'one-user-0', role: 'tenant-member' }] }],
      'two actions on USER#one-user-0',
    ],
  ])('refuses a transaction of %s before sending it, as DynamoDB would', async (_case, tenants, message) => {
    // Act
    const failure = await registry()
      .createTenants(tenants)
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(InvalidInputError);
    expect((failure as Error).message).toContain(message);
    expect(dynamo.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
  });

  it('refuses a tenant with more members than its tier has seats, before sending', async () => {
    // Act
    const failure = await registry()
      .createTenants([{ ...tenant('full', 6), tenant: { tenantId: 'full', name: 'Full', tier: 'free' } }])
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(SeatLimitError);
    expect(dynamo.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
  });

  it('names the tenants whose items already existed when DynamoDB cancels the transaction', async () => {
    // Prepare: the second tenant's binding item (its 7th action, the 16th of the transaction) exists
    const codes = Array.from({ length: 18 }, (_, i) => (i === 15 ? 'ConditionalCheckFailed' : 'None'));
    dynamo.on(TransactWriteItemsCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: codes.map((Code) => ({ Code })),
      }),
    );
    const withDomain = (id: string) => tenant(id, 1, { bindings: [makeBinding('domain', `${id}.example`)] });

    // Act
    const conflicts = await registry().createTenants([withDomain('first'), withDomain('second')]);

    // Assess
    expect(conflicts).toEqual(['second']);
  });
});

describe('assertTransactionLimits refuses what TransactWriteItems refuses', () => {
  const key = (pk: string, sk = 'X') => ({ pk: { S: pk }, sk: { S: sk } });
  const kinds = {
    put: (pk: string) => ({ Put: { TableName: TABLE, Item: key(pk) } }),
    update: (pk: string) => ({ Update: { TableName: TABLE, Key: key(pk), UpdateExpression: 'SET a = :a' } }),
    delete: (pk: string) => ({ Delete: { TableName: TABLE, Key: key(pk) } }),
    check: (pk: string) => ({ ConditionCheck: { TableName: TABLE, Key: key(pk), ConditionExpression: 'a = :a' } }),
  };

  it('accepts up to 100 actions on distinct items and refuses two actions of any kind on one item', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...Object.values(kinds)), fc.integer({ min: 0, max: 150 })), {
          maxLength: 100,
        }),
        (actions) => {
          // Prepare
          const built = actions.map(([make, item]) => make(`ITEM#${item}`));
          const distinct = new Set(actions.map(([, item]) => item)).size === actions.length;

          // Act
          const check = () => assertTransactionLimits(built);

          // Assess
          if (distinct) expect(check).not.toThrow();
          else expect(check).toThrow(/two actions on ITEM#/);
        },
      ),
    );
  });

  it('refuses 101 actions', () => {
    // Act & Assess
    expect(() => assertTransactionLimits(Array.from({ length: 101 }, (_, i) => kinds.put(`ITEM#${i}`)))).toThrow(
      'at most 100 actions, not 101',
    );
  });

  it('counts the actions of a tenant without a status as an active one', () => {
    // Act & Assess
    expect(completeTenantActions(tenant('plain', 1))).toBe(6);
  });
});

describe('importSeed gives up on a tenant that keeps conflicting', () => {
  it('reports the registry unavailable after checking and trying again a bounded number of times', async () => {
    // Prepare: the tenant never appears to exist, yet every transaction creating it is cancelled
    dynamo.on(BatchGetItemCommand).resolves({ Responses: { [TABLE]: [] } });
    dynamo.on(TransactWriteItemsCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );
    const seed = parseSeed(
      JSON.stringify({ tenants: [{ tenantId: 'phantom', name: 'P', tier: 'free' }] }),
      DEFAULT_TIERS,
    );

    // Act
    const failure = await importSeed(registry(), seed).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(RegistryUnavailableError);
    expect(dynamo.commandCalls(TransactWriteItemsCommand)).toHaveLength(10);
  });
});

describe('lookup reads in BatchGetItem calls of at most 100 keys', () => {
  it('asks again for unprocessed keys, and gives up as unavailable when they stay unprocessed', async () => {
    // Prepare: DynamoDB never processes anything
    vi.useFakeTimers();
    dynamo.on(BatchGetItemCommand).callsFake((input: { RequestItems: Record<string, unknown> }) => ({
      Responses: {},
      UnprocessedKeys: input.RequestItems,
    }));

    // Act
    const pending = registry()
      .lookup({ tenantIds: ['stuck'], memberships: [], bindings: [] })
      .catch((error: unknown) => error);
    await vi.runAllTimersAsync();
    const failure = await pending;

    // Assess
    expect(failure).toBeInstanceOf(RegistryUnavailableError);
    expect(dynamo.commandCalls(BatchGetItemCommand)).toHaveLength(9);
  });

  it('splits 250 keys into calls of 100, 100 and 50, each read consistently', async () => {
    // Prepare
    dynamo.on(BatchGetItemCommand).resolves({ Responses: { [TABLE]: [] } });
    const tenantIds = Array.from({ length: 250 }, (_, i) => `tenant-${i}`);

    // Act
    const found = await registry().lookup({ tenantIds, memberships: [], bindings: [] });

    // Assess
    const calls = dynamo.commandCalls(BatchGetItemCommand).map((call) => call.args[0].input.RequestItems?.[TABLE]);
    expect(calls.map((request) => request?.Keys?.length)).toEqual([100, 100, 50]);
    expect(calls.every((request) => request?.ConsistentRead === true)).toBe(true);
    expect(found.tenant('tenant-1')).toBeUndefined();
  });
});

describe('concurrencyLimit', () => {
  it('never runs more than n tasks at once, starts them in the order given and passes results and failures on', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.nat(4), { minLength: 1, maxLength: 30 }),
        async (n, turns) => {
          // Prepare
          const limit = concurrencyLimit(n);
          let running = 0;
          let peak = 0;
          const started: number[] = [];

          // Act
          const results = await Promise.allSettled(
            turns.map((wait, index) =>
              limit(async () => {
                started.push(index);
                running++;
                peak = Math.max(peak, running);
                for (let turn = 0; turn < wait; turn++) await Promise.resolve();
                running--;
                if (wait === 3) throw new Error(`task ${index}`);
                return index;
              }),
            ),
          );

          // Assess
          expect(peak).toBeLessThanOrEqual(n);
          expect(started).toEqual(turns.map((_, index) => index));
          expect(results).toEqual(
            turns.map((wait, index) =>
              wait === 3
                ? { status: 'rejected', reason: new Error(`task ${index}`) }
                : { status: 'fulfilled', value: index },
            ),
          );
        },
      ),
    );
  });

  it.each([0, 1.5, Number.NaN])('refuses a limit of %s', (n) => {
    // Act & Assess
    expect(() => concurrencyLimit(n)).toThrow(RangeError);
  });
});
