import { QueryCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import {
  LastAdminError,
  MembershipNotFoundError,
  RegistryUnavailableError,
  TenantInactiveError,
} from '../runtime/errors';
import type { ReasonCode } from '../runtime/reason-codes';
import { type Item, N, S } from './dynamo-item';
import { membershipFromItem, userFromItem, userMembershipItem } from './registry-items';
import { keys, USER_TENANT_SK_PREFIX } from './registry-keys';
import { validateRole, validateSub } from './registry-rules';
import { itemKey } from './registry-table';
import { type DirectoryUserRef, isActiveMembership, type Membership, type UserMemberships } from './tenant';
import { assertTenantId } from './tenant-id';
import { TenantRegistry } from './tenant-registry';
import { CONFLICT_RETRIES } from './writable-registry-table';

/** What a removal did to the user's active tenant, so the caller can bring `custom:tenantId` along. */
export interface RemovalResult {
  /** False when the user held no membership of the tenant (nothing was written). */
  readonly removed: boolean;
  /** The membership removed. */
  readonly membership: Membership | undefined;
  /** The user's active tenant after the removal (`undefined`: cleared, the user has no usable membership). */
  readonly activeTenantId: string | undefined;
  /** Whether the removal moved (or cleared) the active tenant: `custom:tenantId` must follow. */
  readonly activeChanged: boolean;
  readonly directoryUser: DirectoryUserRef | undefined;
}

/** What a switch of the active tenant did. */
export interface SwitchResult {
  readonly membership: Membership;
  readonly activeTenantId: string;
  /** The active tenant before (`undefined` when the user had none). */
  readonly previousTenantId: string | undefined;
  /** False when the tenant already was the active one (nothing was written). */
  readonly changed: boolean;
  readonly directoryUser: DirectoryUserRef | undefined;
}

// A membership item whose status grants access: `active`, or written before memberships had a status.
const ACTIVE_CONDITION = '(attribute_not_exists(#status) OR #status = :active)';

/**
 * The membership writes after joining: role changes, removals and switches of the active tenant
 * (docs/memberships.md). Lambda-usable (the members API uses it); operator-only writes stay in `TenantAdmin`.
 *
 * Every guard is a condition of the one transaction that also writes the audit item, never a
 * read-then-write: the tenant item counts its active admins (`admins`), and a demotion or removal of an admin
 * is conditioned on `admins > 1`, so two admins demoting each other concurrently leave one admin. A removal
 * releases the seat, and when it removes the user's active tenant it moves the active tenant, in the same
 * transaction, to the user's oldest other active membership of an active tenant, or clears it.
 */
export class MembershipRegistry extends TenantRegistry {
  /**
   * Every membership of a user (any status, sorted by tenant id), the active tenant and the user's Cognito
   * location, with one Query of the user's partition (docs/memberships.md). A user whose only membership was
   * written before reverse items existed (not yet migrated) costs one more read: the membership the user item
   * names.
   */
  async listMemberships(sub: string, options: { consistent?: boolean } = {}): Promise<UserMemberships> {
    const pk = keys.user(sub).pk;
    const items = await this.table.send('listMemberships', async () => {
      const found: Item[] = [];
      let start: Item | undefined;
      do {
        const page = await this.table.client.send(
          new QueryCommand({
            TableName: this.table.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': S(pk) },
            ConsistentRead: options.consistent ?? false,
            ExclusiveStartKey: start,
          }),
        );
        found.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      return found;
    });
    const user = userFromItem(items.find((item) => item.sk?.S === keys.user(sub).sk));
    const memberships = items
      .filter((item) => item.sk?.S?.startsWith(USER_TENANT_SK_PREFIX))
      .map(membershipFromItem)
      .sort((a, b) => a.tenantId.localeCompare(b.tenantId));
    const active = user.activeTenantId;
    if (active !== undefined && !memberships.some((membership) => membership.tenantId === active)) {
      const legacy = await this.getMembership(active, sub, options);
      if (legacy !== undefined) memberships.push(legacy);
    }
    return { sub, memberships, activeTenantId: active, directoryUser: user.directoryUser };
  }

  /**
   * Gives an active membership another role. `MembershipNotFoundError` when the user holds no active
   * membership of the tenant, `LastAdminError` when it would demote the tenant's last admin. Setting the role
   * a membership already has writes nothing.
   */
  async setRole(tenantId: string, sub: string, role: string, reason: ReasonCode = 'operator-request') {
    assertTenantId(tenantId);
    validateSub(sub);
    validateRole(role);
    for (let attempt = 0; attempt <= CONFLICT_RETRIES; attempt++) {
      const current = await this.getMembership(tenantId, sub, { consistent: true });
      if (!isActiveMembership(current)) throw new MembershipNotFoundError(tenantId, sub);
      if (current.role === role) return current;
      const updated: Membership = { ...current, role };
      const demotes = current.role === this.adminRole;
      const promotes = role === this.adminRole;
      const reasons = await this.table.transact('setRole', [
        {
          Update: {
            TableName: this.table.tableName,
            Key: itemKey(keys.membership(tenantId, sub)),
            // The status is written too: a membership from before statuses becomes explicitly active.
            UpdateExpression: 'SET #role = :role, #status = :active',
            ConditionExpression: `#role = :read AND ${ACTIVE_CONDITION}`,
            ExpressionAttributeNames: { '#role': 'role', '#status': 'status' },
            ExpressionAttributeValues: { ':role': S(role), ':read': S(current.role), ':active': S('active') },
          },
        },
        // The reverse item is a copy: rewritten whole (it may not exist yet for a membership from before).
        { Put: { TableName: this.table.tableName, Item: userMembershipItem(updated) } },
        ...(demotes || promotes ? [this.countAdmin(tenantId, promotes ? 1 : -1)] : []),
        this.audit.put(
          this.audit.entry(tenantId, 'role-changed', reason, { sub, detail: { from: current.role, to: role } }),
        ),
      ]);
      if (reasons === undefined) return updated;
      if (reasons[0]) continue;
      if (demotes && reasons[2]) throw new LastAdminError(tenantId, sub);
      break;
    }
    throw new RegistryUnavailableError('setRole');
  }

  /**
   * Removes a user's membership of a tenant: the membership and its reverse item, the seat, the admin count
   * (refused with `LastAdminError` for the last admin) and, when it was the active tenant, the active tenant
   * moves to the user's oldest other active membership of an active tenant, or is cleared. One transaction
   * with its audit item. `removed: false` when there was no membership (nothing written).
   */
  async removeMember(tenantId: string, sub: string, reason: ReasonCode = 'operator-request'): Promise<RemovalResult> {
    assertTenantId(tenantId);
    validateSub(sub);
    for (let attempt = 0; attempt <= CONFLICT_RETRIES; attempt++) {
      const membership = await this.getMembership(tenantId, sub, { consistent: true });
      const user = await this.listMemberships(sub, { consistent: true });
      if (membership === undefined) {
        return {
          removed: false,
          membership,
          activeTenantId: user.activeTenantId,
          activeChanged: false,
          directoryUser: user.directoryUser,
        };
      }
      const admin = isActiveMembership(membership) && membership.role === this.adminRole;
      const wasActive = user.activeTenantId === tenantId;
      const next = wasActive ? await this.#nextActiveTenant(user, tenantId) : undefined;
      const activeTenantId = wasActive ? next : user.activeTenantId;
      const entry = this.audit.entry(tenantId, 'member-removed', reason, {
        sub,
        detail: {
          role: membership.role,
          ...(membership.status === 'active' ? {} : { status: membership.status }),
          ...(wasActive ? { activeTenant: next ?? '(none)' } : {}),
        },
      });
      const reasons = await this.table.transact('removeMember', [
        {
          Delete: {
            TableName: this.table.tableName,
            Key: itemKey(keys.membership(tenantId, sub)),
            ConditionExpression:
              membership.status === 'active'
                ? `#role = :role AND ${ACTIVE_CONDITION}`
                : '#role = :role AND #status = :status',
            ExpressionAttributeNames: { '#role': 'role', '#status': 'status' },
            ExpressionAttributeValues: {
              ':role': S(membership.role),
              ...(membership.status === 'active' ? { ':active': S('active') } : { ':status': S(membership.status) }),
            },
          },
        },
        { Delete: { TableName: this.table.tableName, Key: itemKey(keys.userMembership(sub, tenantId)) } },
        {
          Update: {
            TableName: this.table.tableName,
            Key: itemKey(keys.tenant(tenantId)),
            UpdateExpression: admin ? 'SET seats = seats - :one, admins = admins - :one' : 'SET seats = seats - :one',
            ConditionExpression: admin ? 'seats > :zero AND admins > :one' : 'seats > :zero',
            ExpressionAttributeValues: { ':one': N(1), ':zero': N(0) },
          },
        },
        this.audit.put(entry),
        ...this.#moveActiveTenant(sub, tenantId, wasActive, next),
      ]);
      if (reasons === undefined) {
        return {
          removed: true,
          membership,
          activeTenantId,
          activeChanged: wasActive,
          directoryUser: user.directoryUser,
        };
      }
      // The membership, the active tenant or the next membership changed since the reads: read again.
      if (reasons[0] || reasons.slice(4).some(Boolean)) continue;
      if (admin && reasons[2]) throw new LastAdminError(tenantId, sub);
      break;
    }
    throw new RegistryUnavailableError('removeMember');
  }

  /**
   * Makes `tenantId` the user's active tenant, in one transaction conditioned on an active membership of an
   * active tenant, with its audit item (in that tenant's trail). `MembershipNotFoundError` when the user holds
   * no active membership there — also for a tenant that does not exist, so an outsider learns nothing —
   * and `TenantInactiveError` for a member of a suspended or disabled tenant. Switching to the tenant that is
   * already active writes nothing. `custom:tenantId` is the caller's to write, after this.
   */
  async switchActiveTenant(sub: string, tenantId: string, reason: ReasonCode = 'user-request'): Promise<SwitchResult> {
    assertTenantId(tenantId);
    validateSub(sub);
    for (let attempt = 0; attempt <= CONFLICT_RETRIES; attempt++) {
      const [membership, user] = await Promise.all([
        this.getMembership(tenantId, sub, { consistent: true }),
        this.listMemberships(sub, { consistent: true }),
      ]);
      if (!isActiveMembership(membership)) throw new MembershipNotFoundError(tenantId, sub);
      const previousTenantId = user.activeTenantId;
      const result = { membership, activeTenantId: tenantId, previousTenantId, directoryUser: user.directoryUser };
      if (previousTenantId === tenantId) {
        const tenant = await this.requireTenant(tenantId, { consistent: true });
        if (tenant.status !== 'active') throw new TenantInactiveError(tenantId, tenant.status, tenant.tier);
        return { ...result, changed: false };
      }
      const now = this.table.now().toISOString();
      const reasons = await this.table.transact('switchActiveTenant', [
        {
          ConditionCheck: {
            TableName: this.table.tableName,
            Key: itemKey(keys.membership(tenantId, sub)),
            ConditionExpression: `attribute_exists(pk) AND ${ACTIVE_CONDITION}`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':active': S('active') },
          },
        },
        {
          ConditionCheck: {
            TableName: this.table.tableName,
            Key: itemKey(keys.tenant(tenantId)),
            ConditionExpression: '#status = :active',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':active': S('active') },
          },
        },
        {
          Update: {
            TableName: this.table.tableName,
            Key: itemKey(keys.user(sub)),
            UpdateExpression: 'SET tenantId = :t, updatedAt = :now',
            // Conditioned on the active tenant read, so the audit item's `from` is the value replaced.
            ConditionExpression:
              previousTenantId === undefined ? 'attribute_not_exists(tenantId)' : 'tenantId = :previous',
            ExpressionAttributeValues: {
              ':t': S(tenantId),
              ':now': S(now),
              ...(previousTenantId === undefined ? {} : { ':previous': S(previousTenantId) }),
            },
          },
        },
        this.audit.put(
          this.audit.entry(tenantId, 'active-tenant-changed', reason, {
            sub,
            detail: { from: previousTenantId ?? '(none)', to: tenantId },
          }),
        ),
      ]);
      if (reasons === undefined) return { ...result, changed: true };
      if (reasons[0]) throw new MembershipNotFoundError(tenantId, sub);
      if (reasons[1]) {
        const tenant = await this.getTenant(tenantId, { consistent: true });
        if (tenant === undefined) throw new MembershipNotFoundError(tenantId, sub);
        throw new TenantInactiveError(tenantId, tenant.status, tenant.tier);
      }
      if (!reasons[2]) break;
    }
    throw new RegistryUnavailableError('switchActiveTenant');
  }

  /** The transaction part adding `delta` (±1) to a tenant's admin count; a decrement keeps at least one. */
  protected countAdmin(tenantId: string, delta: 1 | -1): TransactWriteItem {
    return {
      Update: {
        TableName: this.table.tableName,
        Key: itemKey(keys.tenant(tenantId)),
        UpdateExpression: delta > 0 ? 'SET admins = if_not_exists(admins, :zero) + :one' : 'SET admins = admins - :one',
        ConditionExpression: delta > 0 ? 'attribute_exists(pk)' : 'admins > :one',
        ExpressionAttributeValues: delta > 0 ? { ':one': N(1), ':zero': N(0) } : { ':one': N(1) },
      },
    };
  }

  /**
   * Where the active tenant goes when its membership is removed: the oldest other active membership (by
   * `joinedAt`, then tenant id) whose tenant is active; `undefined` when there is none.
   */
  async #nextActiveTenant(user: UserMemberships, removed: string): Promise<string | undefined> {
    const candidates = user.memberships
      .filter((membership) => membership.tenantId !== removed && isActiveMembership(membership))
      .sort((a, b) => a.joinedAt.localeCompare(b.joinedAt) || a.tenantId.localeCompare(b.tenantId));
    for (const candidate of candidates) {
      const tenant = await this.getTenant(candidate.tenantId, { consistent: true });
      if (tenant?.status === 'active') return candidate.tenantId;
    }
    return undefined;
  }

  /**
   * The transaction parts keeping the user item consistent with a removal: when the removed tenant is the
   * active one, move it to `next` (conditioned on that membership still being active and its tenant active)
   * or clear it; otherwise check that it is still not the active one (a concurrent switch makes us re-read).
   */
  #moveActiveTenant(sub: string, tenantId: string, wasActive: boolean, next: string | undefined): TransactWriteItem[] {
    const table = this.table.tableName;
    const userKey = itemKey(keys.user(sub));
    if (!wasActive) {
      return [
        {
          ConditionCheck: {
            TableName: table,
            Key: userKey,
            ConditionExpression: 'attribute_not_exists(tenantId) OR tenantId <> :t',
            ExpressionAttributeValues: { ':t': S(tenantId) },
          },
        },
      ];
    }
    const now = S(this.table.now().toISOString());
    if (next === undefined) {
      return [
        {
          Update: {
            TableName: table,
            Key: userKey,
            UpdateExpression: 'REMOVE tenantId SET updatedAt = :now',
            ConditionExpression: 'tenantId = :t',
            ExpressionAttributeValues: { ':t': S(tenantId), ':now': now },
          },
        },
      ];
    }
    return [
      {
        Update: {
          TableName: table,
          Key: userKey,
          UpdateExpression: 'SET tenantId = :next, updatedAt = :now',
          ConditionExpression: 'tenantId = :t',
          ExpressionAttributeValues: { ':t': S(tenantId), ':next': S(next), ':now': now },
        },
      },
      {
        ConditionCheck: {
          TableName: table,
          Key: itemKey(keys.membership(next, sub)),
          ConditionExpression: `attribute_exists(pk) AND ${ACTIVE_CONDITION}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': S('active') },
        },
      },
      {
        ConditionCheck: {
          TableName: table,
          Key: itemKey(keys.tenant(next)),
          ConditionExpression: '#status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': S('active') },
        },
      },
    ];
  }
}
