import { type DynamoDBClient, PutItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import {
  RegistryUnavailableError,
  SeatLimitError,
  TenancyError,
  TenantExistsError,
  TenantInactiveError,
} from '../runtime/errors';
import type { ReasonCode } from '../runtime/reason-codes';
import { type AuditSettings, AuditTrail, membershipReason } from './audit-trail';
import { N, S } from './dynamo-item';
import { membershipItem, tenantItem, userMembershipItem } from './registry-items';
import { keys } from './registry-keys';
import { RegistryReader } from './registry-reader';
import { type NewMembership, type NewTenant, validateMembership, validateNewTenant } from './registry-rules';
import { itemKey } from './registry-table';
import type { DirectoryUserRef, Membership, Tenant } from './tenant';
import type { Tiers } from './tiers';
import { CONFLICT_RETRIES, WritableRegistryTable } from './writable-registry-table';

export type { NewMembership, NewTenant } from './registry-rules';

/** What the registry needs: a DynamoDB client, the table and the tier definitions. */
export interface TenantRegistryOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly tiers: Tiers;
  /**
   * Who writes and how long audit items are kept. Every change is recorded in the same transaction; without
   * settings the actor is `unattributed` and items are kept for good.
   */
  readonly audit?: AuditSettings;
  /**
   * The tenant-admin role (`TENANCY_ADMIN_ROLE`, default `tenant-admin`): the registry counts each tenant's
   * active memberships with this role on the tenant item, so that a tenant always keeps one.
   */
  readonly adminRole?: string;
  /** Clock, replaceable in tests. */
  readonly now?: () => Date;
}

/** Outcome of `addMember`: `created` is false when the same membership already existed (a retry). */
export interface AddMemberResult {
  readonly membership: Membership;
  readonly created: boolean;
  /** The tenant's tier when the membership was written or found. */
  readonly tier: string;
}

/**
 * The tenant registry as the Lambdas use it: reads of tenants, bindings and memberships, and the assignment
 * writes of the triggers (a member joins, a self-service tenant is created). Operator writes (tiers, statuses,
 * bindings, listings, transfers) are in `TenantAdmin`, so they never reach a Lambda bundle.
 *
 * Every uniqueness rule is a condition on the write, never a read-then-write, so concurrent callers end with
 * exactly one winner: a binding belongs to one tenant, a user holds one membership per tenant, and seats
 * never exceed the limit.
 */
export class TenantRegistry extends RegistryReader {
  declare protected readonly table: WritableRegistryTable;
  protected readonly audit: AuditTrail;
  readonly tiers: Tiers;
  /** The role whose active memberships the tenant item counts (`admins`). */
  readonly adminRole: string;

  constructor(options: TenantRegistryOptions) {
    const now = options.now ?? (() => new Date());
    super(options, new WritableRegistryTable(options.client, options.tableName, now));
    this.audit = new AuditTrail(options.tableName, options.audit ?? { actor: 'unattributed', retentionDays: 0 }, now);
    this.tiers = options.tiers;
    this.adminRole = options.adminRole ?? 'tenant-admin';
  }

  /**
   * Creates a tenant, and its `tenant-created` audit item with `reason` (an operator's request, or a
   * self-service sign-up); `TenantExistsError` when the id is taken, `UnknownTierError` for an unknown tier.
   */
  async createTenant(input: NewTenant, reason: ReasonCode = 'operator-request'): Promise<Tenant> {
    const valid = validateNewTenant(input, this.tiers);
    const now = this.table.now().toISOString();
    const tenant: Tenant = { ...valid, seats: 0, createdAt: now, updatedAt: now };
    const entry = this.audit.entry(tenant.tenantId, 'tenant-created', reason, {
      detail: { tier: tenant.tier, status: tenant.status, name: tenant.name },
    });
    const reasons = await this.table.transact('createTenant', [
      {
        Put: {
          TableName: this.table.tableName,
          // `admins`: active memberships with the admin role (docs/memberships.md); kept out of `Tenant`.
          Item: { ...tenantItem(tenant), admins: N(0) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      this.audit.put(entry),
    ]);
    if (reasons?.[0]) throw new TenantExistsError(tenant.tenantId);
    if (reasons !== undefined) throw new RegistryUnavailableError('createTenant');
    return tenant;
  }

  /**
   * Records a refusal that changed nothing (a sign-up refused for a full or inactive tenant) as a
   * `sign-up-refused` audit item of that tenant. A refusal without a tenant is not recorded here: it has no
   * partition to go to, and anyone can cause one (the logs and metrics count it).
   */
  async recordRefusal(tenantId: string, reason: ReasonCode, facts: { sub?: string; detail?: Record<string, string> }) {
    const entry = this.audit.entry(tenantId, 'sign-up-refused', reason, facts);
    await this.table.send('recordRefusal', () =>
      this.table.client.send(new PutItemCommand({ TableName: this.table.tableName, Item: this.audit.item(entry) })),
    );
  }

  /**
   * Adds a user to a tenant in one transaction: the membership and its reverse item (under the user), one seat
   * within the seat limit of the tenant's tier, only while the tenant is active, and the audit item. An active
   * membership also counts towards the tenant's admins when its role is the admin role, and becomes the user's
   * active tenant when the user has none (the first membership; `custom:tenantId` is the caller's to write).
   * A user may hold memberships in any number of tenants. Idempotent: when the user already is a member of
   * this tenant, the existing membership is returned unchanged.
   */
  async addMember(input: NewMembership): Promise<AddMemberResult> {
    const { tenantId, sub, role, source, directoryUser } = validateMembership(input);
    const status = input.status ?? 'active';
    const admin = status === 'active' && role === this.adminRole;
    for (let attempt = 0; ; attempt++) {
      const tenant = await this.requireTenant(tenantId, { consistent: true });
      if (tenant.status !== 'active') throw new TenantInactiveError(tenantId, tenant.status, tenant.tier);
      const seatLimit = this.tiers.get(tenant.tier).seatLimit;
      const now = this.table.now().toISOString();
      const membership: Membership = { tenantId, sub, role, status, source, joinedAt: now };
      const entry = this.audit.entry(tenantId, 'member-assigned', membershipReason(source), {
        sub,
        detail: { role, source, tier: tenant.tier, ...(status === 'active' ? {} : { status }) },
      });
      const reasons = await this.table.transact('addMember', [
        ...this.putMembership(membership),
        {
          Update: {
            TableName: this.table.tableName,
            Key: itemKey(keys.tenant(tenantId)),
            UpdateExpression: admin
              ? 'SET seats = seats + :one, admins = if_not_exists(admins, :zero) + :one'
              : 'SET seats = seats + :one',
            // The tier is part of the condition: the limit read above must still be the limit that applies.
            ConditionExpression: '#status = :active AND tier = :tier AND seats < :limit',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':one': N(1),
              ':active': S('active'),
              ':tier': S(tenant.tier),
              ':limit': N(seatLimit),
              ...(admin ? { ':zero': N(0) } : {}),
            },
          },
        },
        this.audit.put(entry),
        ...(status === 'active' ? [this.claimActiveTenant(membership, directoryUser)] : []),
      ]);
      if (reasons === undefined) return { membership, created: true, tier: tenant.tier };
      const [membershipExists, reverseExists, tenantRefused] = reasons;
      if (membershipExists) {
        const existing = await this.getMembership(tenantId, sub, { consistent: true });
        if (existing !== undefined) return { membership: existing, created: false, tier: tenant.tier };
        // Removed between the write and this read: try again.
        if (attempt < CONFLICT_RETRIES) continue;
      }
      if (reverseExists) {
        // Only the reverse half exists: not something this registry writes. Refuse rather than guess.
        throw new TenancyError(`registry holds an inconsistent membership for user ${sub} in tenant ${tenantId}`);
      }
      if (tenantRefused) {
        const current = await this.requireTenant(tenantId, { consistent: true });
        if (current.status !== 'active') throw new TenantInactiveError(tenantId, current.status, current.tier);
        if (current.tier === tenant.tier) throw new SeatLimitError(tenantId, seatLimit, current.tier);
        // The tier changed between the read and the write: try again with the new limit.
        if (attempt < CONFLICT_RETRIES) continue;
      }
      throw new RegistryUnavailableError('addMember');
    }
  }

  /** Writes a membership and its reverse item, each only where none exists. */
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
          Item: userMembershipItem(membership),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
  }

  /**
   * Makes the membership's tenant the user's active tenant when the user has none (no condition: any other
   * active tenant stays), and records where the user lives in Cognito when known.
   */
  protected claimActiveTenant(membership: Membership, directoryUser: DirectoryUserRef | undefined): TransactWriteItem {
    return {
      Update: {
        TableName: this.table.tableName,
        Key: itemKey(keys.user(membership.sub)),
        UpdateExpression:
          directoryUser === undefined
            ? 'SET tenantId = if_not_exists(tenantId, :t), updatedAt = :now'
            : 'SET tenantId = if_not_exists(tenantId, :t), updatedAt = :now, userPoolId = :pool, username = :name',
        ExpressionAttributeValues: {
          ':t': S(membership.tenantId),
          ':now': S(membership.joinedAt),
          ...(directoryUser === undefined
            ? {}
            : { ':pool': S(directoryUser.userPoolId), ':name': S(directoryUser.username) }),
        },
      },
    };
  }
}
