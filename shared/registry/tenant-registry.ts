import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BindingConflictError,
  BindingNotFoundError,
  InvalidInputError,
  MembershipConflictError,
  RegistryUnavailableError,
  SeatLimitError,
  TenancyError,
  TenantExistsError,
  TenantInactiveError,
  TenantNotFoundError,
} from '../runtime/errors';
import { type Binding, bindingKey, describeBinding, parseBindingKey } from './binding';
import { CorruptItemError, type Item, M, N, readN, readS, readStringMap, S } from './dynamo-item';
import { BINDING_SK_PREFIX, keys, MEMBER_SK_PREFIX } from './registry-keys';
import {
  isTenantStatus,
  MEMBERSHIP_SOURCES,
  type Membership,
  type MembershipSource,
  type Tenant,
  type TenantStatus,
} from './tenant';
import { assertTenantId, generateTenantId } from './tenant-id';
import type { Tiers } from './tiers';

/** What the registry needs: a DynamoDB client, the table and the tier definitions. */
export interface TenantRegistryOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly tiers: Tiers;
  /** Clock, replaceable in tests. */
  readonly now?: () => Date;
}

/** Input of `createTenant`. Without `tenantId` a non-guessable id is generated. */
export interface NewTenant {
  readonly tenantId?: string;
  readonly name: string;
  readonly tier: string;
  readonly status?: TenantStatus;
  readonly roleMappings?: Readonly<Record<string, string>>;
}

/** Input of `addMember`. */
export interface NewMembership {
  readonly tenantId: string;
  readonly sub: string;
  readonly role: string;
  readonly source: MembershipSource;
}

/** Outcome of `addMember`: `created` is false when the same membership already existed (a retry). */
export interface AddMemberResult {
  readonly membership: Membership;
  readonly created: boolean;
}

const NAME_MAX = 128;
const ROLE = /^[A-Za-z0-9][\w.-]{0,127}$/;
// Cognito `sub` values are UUIDs; other subjects (emulators) are still restricted to key-safe characters.
const SUB = /^[\w-]{1,128}$/;
// DynamoDB cancels concurrent transactions on the same item with TransactionConflict; those are retried.
const CONFLICT_RETRIES = 8;

/**
 * Typed access to the tenant registry: tenants, bindings and memberships in one DynamoDB table.
 *
 * Every uniqueness rule is a condition on the write, never a read-then-write, so concurrent callers end with
 * exactly one winner: a binding belongs to one tenant, a user to one tenant, and seats never exceed the limit.
 */
export class TenantRegistry {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #now: () => Date;
  readonly tiers: Tiers;

  constructor(options: TenantRegistryOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.tiers = options.tiers;
    this.#now = options.now ?? (() => new Date());
  }

  // ---- tenants -------------------------------------------------------------------------------------------

  /** Creates a tenant; `TenantExistsError` when the id is taken, `UnknownTierError` for an unknown tier. */
  async createTenant(input: NewTenant): Promise<Tenant> {
    const tenantId = input.tenantId === undefined ? generateTenantId() : assertTenantId(input.tenantId);
    const name = validateName(input.name);
    this.tiers.get(input.tier);
    const status = input.status ?? 'active';
    if (!isTenantStatus(status)) throw new InvalidInputError(`invalid status ${JSON.stringify(status)}`, 'status');
    const roleMappings = validateRoleMappings(input.roleMappings ?? {});
    const now = this.#now().toISOString();
    const tenant: Tenant = {
      tenantId,
      name,
      tier: input.tier,
      status,
      seats: 0,
      roleMappings,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: tenantItem(tenant),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new TenantExistsError(tenantId);
      throw unavailable('createTenant', error);
    }
    return tenant;
  }

  /** The tenant, or `undefined` when there is none. */
  async getTenant(tenantId: string, options: { consistent?: boolean } = {}): Promise<Tenant | undefined> {
    const item = await this.#get(keys.tenant(tenantId), 'getTenant', options.consistent);
    return item === undefined ? undefined : tenantFromItem(item);
  }

  /** The tenant; `TenantNotFoundError` when there is none. */
  async requireTenant(tenantId: string, options: { consistent?: boolean } = {}): Promise<Tenant> {
    const tenant = await this.getTenant(assertTenantId(tenantId), options);
    if (tenant === undefined) throw new TenantNotFoundError(tenantId);
    return tenant;
  }

  /** All tenants, sorted by id. A full scan: meant for operators, not for request paths. */
  async listTenants(): Promise<Tenant[]> {
    const tenants: Tenant[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.#send('listTenants', () =>
        this.#client.send(
          new ScanCommand({
            TableName: this.#table,
            // User items share the sort key `TENANT` (pk `USER#…`): keep tenant items only.
            FilterExpression: 'sk = :tenant AND begins_with(pk, :prefix)',
            ExpressionAttributeValues: { ':tenant': S('TENANT'), ':prefix': S('TENANT#') },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) tenants.push(tenantFromItem(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return tenants.sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  }

  /** Moves a tenant to another tier. Members beyond the new tier's seat limit stay; new ones are refused. */
  async setTier(tenantId: string, tier: string): Promise<Tenant> {
    this.tiers.get(tier);
    return this.#updateTenant(tenantId, 'tier', S(tier));
  }

  /** Sets a tenant's status (`active`, `suspended`, `disabled`). */
  async setStatus(tenantId: string, status: TenantStatus): Promise<Tenant> {
    if (!isTenantStatus(status)) throw new InvalidInputError(`invalid status ${JSON.stringify(status)}`, 'status');
    return this.#updateTenant(tenantId, 'status', S(status));
  }

  /** Replaces a tenant's IdP group → role mappings. */
  async setRoleMappings(tenantId: string, roleMappings: Readonly<Record<string, string>>): Promise<Tenant> {
    return this.#updateTenant(tenantId, 'roleMappings', M(validateRoleMappings(roleMappings)));
  }

  async #updateTenant(tenantId: string, attribute: string, value: ReturnType<typeof S>): Promise<Tenant> {
    assertTenantId(tenantId);
    try {
      const result = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: itemKey(keys.tenant(tenantId)),
          UpdateExpression: 'SET #a = :v, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#a': attribute },
          ExpressionAttributeValues: { ':v': value, ':now': S(this.#now().toISOString()) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return tenantFromItem(result.Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new TenantNotFoundError(tenantId);
      throw unavailable('updateTenant', error);
    }
  }

  // ---- bindings ------------------------------------------------------------------------------------------

  /**
   * Binds `binding` to a tenant. Binding again to the same tenant is a no-op; a binding that another tenant
   * holds is a `BindingConflictError`, never an overwrite.
   */
  async bind(tenantId: string, binding: Binding): Promise<void> {
    assertTenantId(tenantId);
    const key = bindingKey(binding);
    const reasons = await this.#transact('bind', [
      {
        ConditionCheck: {
          TableName: this.#table,
          Key: itemKey(keys.tenant(tenantId)),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.#table,
          Item: { ...itemKey(keys.binding(key)), tenantId: S(tenantId), boundAt: S(this.#now().toISOString()) },
          ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :t',
          ExpressionAttributeValues: { ':t': S(tenantId) },
        },
      },
      { Put: { TableName: this.#table, Item: itemKey(keys.tenantBinding(tenantId, key)) } },
    ]);
    if (reasons === undefined) return;
    if (reasons[0]) throw new TenantNotFoundError(tenantId);
    const holder = await this.resolveBinding(binding);
    throw new BindingConflictError(describeBinding(binding), holder ?? 'another tenant');
  }

  /** Removes a binding held by `tenantId`; `BindingNotFoundError` when that tenant does not hold it. */
  async unbind(tenantId: string, binding: Binding): Promise<void> {
    assertTenantId(tenantId);
    const key = bindingKey(binding);
    const reasons = await this.#transact('unbind', [
      {
        Delete: {
          TableName: this.#table,
          Key: itemKey(keys.binding(key)),
          ConditionExpression: 'tenantId = :t',
          ExpressionAttributeValues: { ':t': S(tenantId) },
        },
      },
      { Delete: { TableName: this.#table, Key: itemKey(keys.tenantBinding(tenantId, key)) } },
    ]);
    if (reasons !== undefined) throw new BindingNotFoundError(describeBinding(binding), tenantId);
  }

  /** The id of the tenant holding `binding`, or `undefined`. */
  async resolveBinding(binding: Binding): Promise<string | undefined> {
    const item = await this.#get(keys.binding(bindingKey(binding)), 'resolveBinding');
    return item === undefined ? undefined : readS(item, 'tenantId');
  }

  /** The bindings a tenant holds. */
  async listBindings(tenantId: string): Promise<Binding[]> {
    const items = await this.#queryTenant(tenantId, BINDING_SK_PREFIX);
    const bindings: Binding[] = [];
    for (const item of items) {
      const binding = parseBindingKey(readS(item, 'sk').slice(BINDING_SK_PREFIX.length));
      if (binding !== undefined) bindings.push(binding);
    }
    return bindings;
  }

  // ---- memberships ---------------------------------------------------------------------------------------

  /** The user's membership of `tenantId`, or `undefined`. */
  async getMembership(tenantId: string, sub: string): Promise<Membership | undefined> {
    const item = await this.#get(keys.membership(tenantId, sub), 'getMembership');
    return item === undefined ? undefined : membershipFromItem(item);
  }

  /** The id of the tenant the user belongs to, or `undefined`. */
  async getUserTenantId(sub: string, options: { consistent?: boolean } = {}): Promise<string | undefined> {
    const item = await this.#get(keys.user(sub), 'getUserTenantId', options.consistent);
    return item === undefined ? undefined : readS(item, 'tenantId');
  }

  /** The members of a tenant. */
  async listMembers(tenantId: string): Promise<Membership[]> {
    return (await this.#queryTenant(tenantId, MEMBER_SK_PREFIX)).map(membershipFromItem);
  }

  /**
   * Adds a user to a tenant in one transaction: the membership, the user item (one tenant per user) and one
   * seat, within the seat limit of the tenant's tier, only while the tenant is active.
   * Idempotent: when the user already is a member of this tenant, the existing membership is returned.
   */
  async addMember(input: NewMembership): Promise<AddMemberResult> {
    const { tenantId, sub, role, source } = validateMembership(input);
    for (let attempt = 0; ; attempt++) {
      const tenant = await this.requireTenant(tenantId, { consistent: true });
      if (tenant.status !== 'active') throw new TenantInactiveError(tenantId, tenant.status);
      const seatLimit = this.tiers.get(tenant.tier).seatLimit;
      const membership: Membership = { tenantId, sub, role, source, joinedAt: this.#now().toISOString() };
      const reasons = await this.#transact('addMember', [
        ...this.#putMembership(membership),
        {
          Update: {
            TableName: this.#table,
            Key: itemKey(keys.tenant(tenantId)),
            UpdateExpression: 'SET seats = seats + :one',
            // The tier is part of the condition: the limit read above must still be the limit that applies.
            ConditionExpression: '#status = :active AND tier = :tier AND seats < :limit',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':one': N(1),
              ':active': S('active'),
              ':tier': S(tenant.tier),
              ':limit': N(seatLimit),
            },
          },
        },
      ]);
      if (reasons === undefined) return { membership, created: true };
      const [membershipExists, userExists, tenantRefused] = reasons;
      if (membershipExists || userExists) {
        const existingTenant = await this.getUserTenantId(sub, { consistent: true });
        if (existingTenant !== undefined && existingTenant !== tenantId) {
          throw new MembershipConflictError(sub, existingTenant);
        }
        const existing = await this.#get(keys.membership(tenantId, sub), 'addMember', true);
        if (existing !== undefined && existingTenant === tenantId) {
          return { membership: membershipFromItem(existing), created: false };
        }
        // Only half of a pair exists: not something this registry writes. Refuse rather than guess.
        throw new TenancyError(`registry holds an inconsistent membership for user ${sub} in tenant ${tenantId}`);
      }
      if (tenantRefused) {
        const current = await this.requireTenant(tenantId, { consistent: true });
        if (current.status !== 'active') throw new TenantInactiveError(tenantId, current.status);
        if (current.tier === tenant.tier) throw new SeatLimitError(tenantId, seatLimit);
        // The tier changed between the read and the write: try again with the new limit.
        if (attempt < CONFLICT_RETRIES) continue;
      }
      throw new RegistryUnavailableError('addMember');
    }
  }

  /**
   * Moves a membership (and its seat) from one subject to another in one transaction: used by invitations,
   * which reserve the seat under a placeholder before Cognito has issued the user's sub. Idempotent: when
   * `toSub` already holds the membership and `fromSub` is gone, that membership is returned.
   */
  async transferMembership(tenantId: string, fromSub: string, toSub: string): Promise<Membership> {
    validateMembership({ tenantId, sub: fromSub, role: 'x', source: 'invite' });
    validateMembership({ tenantId, sub: toSub, role: 'x', source: 'invite' });
    const item = await this.#get(keys.membership(tenantId, fromSub), 'transferMembership', true);
    if (item === undefined) {
      const done = await this.#get(keys.membership(tenantId, toSub), 'transferMembership', true);
      if (done !== undefined) return membershipFromItem(done);
      throw new TenancyError(`user ${fromSub} has no membership in tenant ${tenantId} to transfer`);
    }
    const membership: Membership = { ...membershipFromItem(item), sub: toSub };
    const reasons = await this.#transact('transferMembership', [
      ...this.#deleteMembership(tenantId, fromSub),
      ...this.#putMembership(membership),
    ]);
    if (reasons === undefined) return membership;
    const existingTenant = await this.getUserTenantId(toSub, { consistent: true });
    if (existingTenant !== undefined && existingTenant !== tenantId)
      throw new MembershipConflictError(toSub, existingTenant);
    throw new TenancyError(`could not transfer the membership of ${fromSub} in tenant ${tenantId} to ${toSub}`);
  }

  /** Removes a user's membership of a tenant and frees the seat; `false` when there was none. */
  async removeMember(tenantId: string, sub: string): Promise<boolean> {
    const reasons = await this.#transact('removeMember', [
      ...this.#deleteMembership(tenantId, sub),
      {
        Update: {
          TableName: this.#table,
          Key: itemKey(keys.tenant(tenantId)),
          UpdateExpression: 'SET seats = seats - :one',
          ConditionExpression: 'seats > :zero',
          ExpressionAttributeValues: { ':one': N(1), ':zero': N(0) },
        },
      },
    ]);
    return reasons === undefined;
  }

  // ---- plumbing ------------------------------------------------------------------------------------------

  /** Writes a membership and its user item (one tenant per user), each only where none exists. */
  #putMembership(membership: Membership): TransactWriteItem[] {
    return [
      {
        Put: {
          TableName: this.#table,
          Item: membershipItem(membership),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.#table,
          Item: {
            ...itemKey(keys.user(membership.sub)),
            tenantId: S(membership.tenantId),
            joinedAt: S(membership.joinedAt),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
  }

  /** Deletes a membership and its user item, only while both say the user belongs to `tenantId`. */
  #deleteMembership(tenantId: string, sub: string): TransactWriteItem[] {
    return [
      {
        Delete: {
          TableName: this.#table,
          Key: itemKey(keys.membership(tenantId, sub)),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      {
        Delete: {
          TableName: this.#table,
          Key: itemKey(keys.user(sub)),
          ConditionExpression: 'tenantId = :t',
          ExpressionAttributeValues: { ':t': S(tenantId) },
        },
      },
    ];
  }

  async #get(key: { pk: string; sk: string }, operation: string, consistent = false): Promise<Item | undefined> {
    const result = await this.#send(operation, () =>
      this.#client.send(new GetItemCommand({ TableName: this.#table, Key: itemKey(key), ConsistentRead: consistent })),
    );
    return result.Item;
  }

  async #queryTenant(tenantId: string, skPrefix: string): Promise<Item[]> {
    assertTenantId(tenantId);
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.#send('query', () =>
        this.#client.send(
          new QueryCommand({
            TableName: this.#table,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': S(`TENANT#${tenantId}`), ':prefix': S(skPrefix) },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }

  /**
   * Runs a transaction. Returns `undefined` on success, or one flag per item telling whether its condition
   * failed. Transactions cancelled only by concurrent transactions on the same items are retried.
   */
  async #transact(operation: string, items: TransactWriteItem[]): Promise<boolean[] | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#client.send(new TransactWriteItemsCommand({ TransactItems: items }));
        return undefined;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw unavailable(operation, error);
        const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
        if (codes.includes('ConditionalCheckFailed')) return codes.map((code) => code === 'ConditionalCheckFailed');
        if (!codes.includes('TransactionConflict') || attempt >= CONFLICT_RETRIES) throw unavailable(operation, error);
        await sleep(10 + Math.random() * 20 * 2 ** Math.min(attempt, 4));
      }
    }
  }

  async #send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw unavailable(operation, error);
    }
  }
}

function unavailable(operation: string, error: unknown): TenancyError {
  return error instanceof TenancyError ? error : new RegistryUnavailableError(operation, { cause: error });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function itemKey(key: { pk: string; sk: string }): Item {
  return { pk: S(key.pk), sk: S(key.sk) };
}

function tenantItem(tenant: Tenant): Item {
  return {
    ...itemKey(keys.tenant(tenant.tenantId)),
    tenantId: S(tenant.tenantId),
    name: S(tenant.name),
    tier: S(tenant.tier),
    status: S(tenant.status),
    seats: N(tenant.seats),
    roleMappings: M(tenant.roleMappings),
    createdAt: S(tenant.createdAt),
    updatedAt: S(tenant.updatedAt),
  };
}

/** Reads a tenant item; throws `CorruptItemError` for an item the registry did not write. */
export function tenantFromItem(item: Item): Tenant {
  const status = readS(item, 'status');
  if (!isTenantStatus(status)) throw new CorruptItemError(readS(item, 'pk'), 'status');
  return {
    tenantId: readS(item, 'tenantId'),
    name: readS(item, 'name'),
    tier: readS(item, 'tier'),
    status,
    seats: readN(item, 'seats'),
    roleMappings: readStringMap(item, 'roleMappings'),
    createdAt: readS(item, 'createdAt'),
    updatedAt: readS(item, 'updatedAt'),
  };
}

function membershipItem(membership: Membership): Item {
  return {
    ...itemKey(keys.membership(membership.tenantId, membership.sub)),
    tenantId: S(membership.tenantId),
    sub: S(membership.sub),
    role: S(membership.role),
    source: S(membership.source),
    joinedAt: S(membership.joinedAt),
  };
}

function membershipFromItem(item: Item): Membership {
  const source = readS(item, 'source');
  if (!(MEMBERSHIP_SOURCES as readonly string[]).includes(source))
    throw new CorruptItemError(readS(item, 'pk'), 'source');
  return {
    tenantId: readS(item, 'tenantId'),
    sub: readS(item, 'sub'),
    role: readS(item, 'role'),
    source: source as MembershipSource,
    joinedAt: readS(item, 'joinedAt'),
  };
}

function validateName(name: string): string {
  const trimmed = name.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  if (trimmed.length === 0 || trimmed.length > NAME_MAX || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new InvalidInputError(`tenant name must be 1-${NAME_MAX} printable characters`, 'name');
  }
  return trimmed;
}

function validateRoleMappings(mappings: Readonly<Record<string, string>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [group, role] of Object.entries(mappings)) {
    if (group.length === 0 || group.length > 256)
      throw new InvalidInputError(`invalid IdP group name "${group}"`, 'roleMappings');
    if (!ROLE.test(role))
      throw new InvalidInputError(`invalid role "${role}" for IdP group "${group}"`, 'roleMappings');
    result[group] = role;
  }
  return result;
}

function validateMembership(input: NewMembership): NewMembership {
  assertTenantId(input.tenantId);
  if (!SUB.test(input.sub)) throw new InvalidInputError(`invalid user sub ${JSON.stringify(input.sub)}`, 'sub');
  if (!ROLE.test(input.role)) throw new InvalidInputError(`invalid role ${JSON.stringify(input.role)}`, 'role');
  if (!(MEMBERSHIP_SOURCES as readonly string[]).includes(input.source)) {
    throw new InvalidInputError(`invalid membership source ${JSON.stringify(input.source)}`, 'source');
  }
  return input;
}
