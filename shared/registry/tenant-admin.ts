import {
  type AttributeValue,
  ConditionalCheckFailedException,
  paginateQuery,
  paginateScan,
  type TransactWriteItem,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BindingConflictError,
  BindingNotFoundError,
  MembershipConflictError,
  TenancyError,
  TenantNotFoundError,
} from '../runtime/errors';
import { type Binding, bindingKey, describeBinding, parseBindingKey } from './binding';
import { type Item, M, N, readS, S } from './dynamo-item';
import { membershipFromItem, tenantFromItem } from './registry-items';
import { BINDING_SK_PREFIX, keys, MEMBER_SK_PREFIX } from './registry-keys';
import { validateMembership, validateRoleMappings, validateStatus } from './registry-rules';
import { itemKey, registryUnavailable } from './registry-table';
import type { Membership, Tenant, TenantStatus } from './tenant';
import { assertTenantId } from './tenant-id';
import { TenantRegistry } from './tenant-registry';

/**
 * The registry as operators use it (the `tenants` CLI and `shared/operations/`): everything `TenantRegistry`
 * does, plus listings (a table scan), tier/status/role-mapping changes, bindings and membership transfers.
 * No Lambda imports this module, so none of it (ScanCommand included) is in a Lambda bundle.
 */
export class TenantAdmin extends TenantRegistry {
  /** All tenants, sorted by id. A full scan: meant for operators, not for request paths. */
  async listTenants(): Promise<Tenant[]> {
    const tenants = await this.table.send('listTenants', async () => {
      const found: Tenant[] = [];
      const pages = paginateScan(
        { client: this.table.client },
        {
          TableName: this.table.tableName,
          // User items share the sort key `TENANT` (pk `USER#…`): keep tenant items only.
          FilterExpression: 'sk = :tenant AND begins_with(pk, :prefix)',
          ExpressionAttributeValues: { ':tenant': S('TENANT'), ':prefix': S('TENANT#') },
        },
      );
      for await (const page of pages) for (const item of page.Items ?? []) found.push(tenantFromItem(item));
      return found;
    });
    return tenants.sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  }

  /** Moves a tenant to another tier. Members beyond the new tier's seat limit stay; new ones are refused. */
  async setTier(tenantId: string, tier: string): Promise<Tenant> {
    this.tiers.get(tier);
    return this.#updateTenant(tenantId, 'tier', S(tier));
  }

  /** Sets a tenant's status (`active`, `suspended`, `disabled`). */
  async setStatus(tenantId: string, status: TenantStatus): Promise<Tenant> {
    return this.#updateTenant(tenantId, 'status', S(validateStatus(status)));
  }

  /** Replaces a tenant's IdP group → role mappings. */
  async setRoleMappings(tenantId: string, roleMappings: Readonly<Record<string, string>>): Promise<Tenant> {
    return this.#updateTenant(tenantId, 'roleMappings', M(validateRoleMappings(roleMappings)));
  }

  async #updateTenant(tenantId: string, attribute: string, value: AttributeValue): Promise<Tenant> {
    assertTenantId(tenantId);
    try {
      const result = await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: itemKey(keys.tenant(tenantId)),
          UpdateExpression: 'SET #a = :v, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#a': attribute },
          ExpressionAttributeValues: { ':v': value, ':now': S(this.table.now().toISOString()) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return tenantFromItem(result.Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new TenantNotFoundError(tenantId);
      throw registryUnavailable('updateTenant', error);
    }
  }

  /**
   * Binds `binding` to a tenant. Binding again to the same tenant is a no-op; a binding that another tenant
   * holds is a `BindingConflictError`, never an overwrite.
   */
  async bind(tenantId: string, binding: Binding): Promise<void> {
    assertTenantId(tenantId);
    const key = bindingKey(binding);
    const table = this.table.tableName;
    const reasons = await this.table.transact('bind', [
      {
        ConditionCheck: {
          TableName: table,
          Key: itemKey(keys.tenant(tenantId)),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      {
        Put: {
          TableName: table,
          Item: { ...itemKey(keys.binding(key)), tenantId: S(tenantId), boundAt: S(this.table.now().toISOString()) },
          ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :t',
          ExpressionAttributeValues: { ':t': S(tenantId) },
        },
      },
      { Put: { TableName: table, Item: itemKey(keys.tenantBinding(tenantId, key)) } },
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
    const table = this.table.tableName;
    const reasons = await this.table.transact('unbind', [
      {
        Delete: {
          TableName: table,
          Key: itemKey(keys.binding(key)),
          ConditionExpression: 'tenantId = :t',
          ExpressionAttributeValues: { ':t': S(tenantId) },
        },
      },
      { Delete: { TableName: table, Key: itemKey(keys.tenantBinding(tenantId, key)) } },
    ]);
    if (reasons !== undefined) throw new BindingNotFoundError(describeBinding(binding), tenantId);
  }

  /** The bindings a tenant holds. */
  async listBindings(tenantId: string): Promise<Binding[]> {
    const items = await this.#queryTenant(tenantId, BINDING_SK_PREFIX, 'listBindings');
    const bindings: Binding[] = [];
    for (const item of items) {
      const binding = parseBindingKey(readS(item, 'sk').slice(BINDING_SK_PREFIX.length));
      if (binding !== undefined) bindings.push(binding);
    }
    return bindings;
  }

  /** The members of a tenant. */
  async listMembers(tenantId: string): Promise<Membership[]> {
    const items = await this.#queryTenant(tenantId, MEMBER_SK_PREFIX, 'listMembers');
    return items.map(membershipFromItem);
  }

  /**
   * Moves a membership (and its seat) from one subject to another in one transaction: used by invitations,
   * which reserve the seat under a placeholder before Cognito has issued the user's sub. Idempotent: when
   * `toSub` already holds the membership and `fromSub` is gone, that membership is returned.
   */
  async transferMembership(tenantId: string, fromSub: string, toSub: string): Promise<Membership> {
    validateMembership({ tenantId, sub: fromSub, role: 'x', source: 'invite' });
    validateMembership({ tenantId, sub: toSub, role: 'x', source: 'invite' });
    const current = await this.getMembership(tenantId, fromSub, { consistent: true });
    if (current === undefined) {
      const done = await this.getMembership(tenantId, toSub, { consistent: true });
      if (done !== undefined) return done;
      throw new TenancyError(`user ${fromSub} has no membership in tenant ${tenantId} to transfer`);
    }
    const membership: Membership = { ...current, sub: toSub };
    const reasons = await this.table.transact('transferMembership', [
      ...this.#deleteMembership(tenantId, fromSub),
      ...this.putMembership(membership),
    ]);
    if (reasons === undefined) return membership;
    const existingTenant = await this.getUserTenantId(toSub, { consistent: true });
    if (existingTenant !== undefined && existingTenant !== tenantId)
      throw new MembershipConflictError(toSub, existingTenant);
    throw new TenancyError(`could not transfer the membership of ${fromSub} in tenant ${tenantId} to ${toSub}`);
  }

  /** Removes a user's membership of a tenant and frees the seat; `false` when there was none. */
  async removeMember(tenantId: string, sub: string): Promise<boolean> {
    const reasons = await this.table.transact('removeMember', [
      ...this.#deleteMembership(tenantId, sub),
      {
        Update: {
          TableName: this.table.tableName,
          Key: itemKey(keys.tenant(tenantId)),
          UpdateExpression: 'SET seats = seats - :one',
          ConditionExpression: 'seats > :zero',
          ExpressionAttributeValues: { ':one': N(1), ':zero': N(0) },
        },
      },
    ]);
    return reasons === undefined;
  }

  /** Every item under the tenant's partition whose sort key starts with `skPrefix`, all pages. */
  async #queryTenant(tenantId: string, skPrefix: string, operation: string): Promise<Item[]> {
    const input = {
      TableName: this.table.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': S(keys.tenant(assertTenantId(tenantId)).pk), ':prefix': S(skPrefix) },
    };
    return this.table.send(operation, async () => {
      const items: Item[] = [];
      for await (const page of paginateQuery({ client: this.table.client }, input)) items.push(...(page.Items ?? []));
      return items;
    });
  }

  /** Deletes a membership and its user item, only while both say the user belongs to `tenantId`. */
  #deleteMembership(tenantId: string, sub: string): TransactWriteItem[] {
    return [
      {
        Delete: {
          TableName: this.table.tableName,
          Key: itemKey(keys.membership(tenantId, sub)),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      {
        Delete: {
          TableName: this.table.tableName,
          Key: itemKey(keys.user(sub)),
          ConditionExpression: 'tenantId = :t',
          ExpressionAttributeValues: { ':t': S(tenantId) },
        },
      },
    ];
  }
}
