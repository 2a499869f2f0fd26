import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import {
  MembershipConflictError,
  RegistryUnavailableError,
  SeatLimitError,
  TenancyError,
  TenantExistsError,
  TenantInactiveError,
  TenantNotFoundError,
} from '../runtime/errors';
import { type Binding, bindingKey } from './binding';
import { N, readS, S } from './dynamo-item';
import { membershipFromItem, membershipItem, tenantFromItem, tenantItem } from './registry-items';
import { keys } from './registry-keys';
import { type NewMembership, type NewTenant, validateMembership, validateNewTenant } from './registry-rules';
import { CONFLICT_RETRIES, itemKey, RegistryTable, registryUnavailable } from './registry-table';
import type { Membership, Tenant } from './tenant';
import { assertTenantId } from './tenant-id';
import type { Tiers } from './tiers';

export type { NewMembership, NewTenant } from './registry-rules';

/** What the registry needs: a DynamoDB client, the table and the tier definitions. */
export interface TenantRegistryOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly tiers: Tiers;
  /** Clock, replaceable in tests. */
  readonly now?: () => Date;
}

/** Outcome of `addMember`: `created` is false when the same membership already existed (a retry). */
export interface AddMemberResult {
  readonly membership: Membership;
  readonly created: boolean;
}

/**
 * The tenant registry as the Lambdas use it: reads of tenants, bindings and memberships, and the assignment
 * writes of the triggers (a member joins, a self-service tenant is created). Operator writes (tiers, statuses,
 * bindings, listings, transfers) are in `TenantAdmin`, so they never reach a Lambda bundle.
 *
 * Every uniqueness rule is a condition on the write, never a read-then-write, so concurrent callers end with
 * exactly one winner: a binding belongs to one tenant, a user to one tenant, and seats never exceed the limit.
 */
export class TenantRegistry {
  protected readonly table: RegistryTable;
  readonly tiers: Tiers;

  constructor(options: TenantRegistryOptions) {
    this.table = new RegistryTable(options.client, options.tableName, options.now ?? (() => new Date()));
    this.tiers = options.tiers;
  }

  /** Creates a tenant; `TenantExistsError` when the id is taken, `UnknownTierError` for an unknown tier. */
  async createTenant(input: NewTenant): Promise<Tenant> {
    const valid = validateNewTenant(input, this.tiers);
    const now = this.table.now().toISOString();
    const tenant: Tenant = { ...valid, seats: 0, createdAt: now, updatedAt: now };
    try {
      await this.table.client.send(
        new PutItemCommand({
          TableName: this.table.tableName,
          Item: tenantItem(tenant),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new TenantExistsError(tenant.tenantId);
      throw registryUnavailable('createTenant', error);
    }
    return tenant;
  }

  /** The tenant, or `undefined` when there is none. */
  async getTenant(tenantId: string, options: { consistent?: boolean } = {}): Promise<Tenant | undefined> {
    const item = await this.table.get(keys.tenant(tenantId), 'getTenant', options.consistent);
    return item === undefined ? undefined : tenantFromItem(item);
  }

  /** The tenant; `TenantNotFoundError` when there is none. */
  async requireTenant(tenantId: string, options: { consistent?: boolean } = {}): Promise<Tenant> {
    const tenant = await this.getTenant(assertTenantId(tenantId), options);
    if (tenant === undefined) throw new TenantNotFoundError(tenantId);
    return tenant;
  }

  /** The id of the tenant holding `binding`, or `undefined`. */
  async resolveBinding(binding: Binding): Promise<string | undefined> {
    const item = await this.table.get(keys.binding(bindingKey(binding)), 'resolveBinding');
    return item === undefined ? undefined : readS(item, 'tenantId');
  }

  /** The user's membership of `tenantId`, or `undefined`. */
  async getMembership(
    tenantId: string,
    sub: string,
    options: { consistent?: boolean } = {},
  ): Promise<Membership | undefined> {
    const item = await this.table.get(keys.membership(tenantId, sub), 'getMembership', options.consistent);
    return item === undefined ? undefined : membershipFromItem(item);
  }

  /** The id of the tenant the user belongs to, or `undefined`. */
  async getUserTenantId(sub: string, options: { consistent?: boolean } = {}): Promise<string | undefined> {
    const item = await this.table.get(keys.user(sub), 'getUserTenantId', options.consistent);
    return item === undefined ? undefined : readS(item, 'tenantId');
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
      const membership: Membership = { tenantId, sub, role, source, joinedAt: this.table.now().toISOString() };
      const reasons = await this.table.transact('addMember', [
        ...this.putMembership(membership),
        {
          Update: {
            TableName: this.table.tableName,
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
        const existing = await this.getMembership(tenantId, sub, { consistent: true });
        if (existing !== undefined && existingTenant === tenantId) return { membership: existing, created: false };
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

  /** Writes a membership and its user item (one tenant per user), each only where none exists. */
  protected putMembership(membership: Membership): TransactWriteItem[] {
    return [
      {
        Put: {
          TableName: this.table.tableName,
          Item: membershipItem(membership),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.table.tableName,
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
}
