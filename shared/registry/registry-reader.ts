import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TenantNotFoundError } from '../runtime/errors';
import { type Binding, bindingKey } from './binding';
import { readS } from './dynamo-item';
import { membershipFromItem, tenantFromItem, userFromItem } from './registry-items';
import { keys } from './registry-keys';
import { RegistryTable } from './registry-table';
import type { Membership, Tenant } from './tenant';
import { assertTenantId } from './tenant-id';

/** What the reads need: a DynamoDB client and the table. */
export interface RegistryReaderOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Clock, replaceable in tests. */
  readonly now?: () => Date;
}

/**
 * The registry's reads (GetItem only): tenants, bindings, memberships and a user's active tenant. A function that
 * only reads (the authorizer) constructs this, so its bundle carries none of the writes, their validation, the
 * audit trail or the write commands (about 11 KB parsed at every cold start); `TenantRegistry` adds the writes.
 */
export class RegistryReader {
  protected readonly table: RegistryTable;

  /** `table`: the table the reads go to (a writable one for `TenantRegistry`); built from `options` by default. */
  constructor(options: RegistryReaderOptions, table?: RegistryTable) {
    this.table = table ?? new RegistryTable(options.client, options.tableName, options.now ?? (() => new Date()));
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

  /**
   * The user's active tenant (the tenant `custom:tenantId` names), or `undefined`. Before memberships this was
   * the user's one tenant, read from the same item.
   */
  async getUserTenantId(sub: string, options: { consistent?: boolean } = {}): Promise<string | undefined> {
    const item = await this.table.get(keys.user(sub), 'getUserTenantId', options.consistent);
    return userFromItem(item).activeTenantId;
  }
}
