import {
  type AttributeValue,
  BatchGetItemCommand,
  paginateQuery,
  paginateScan,
  QueryCommand,
  type TransactWriteItem,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BindingConflictError,
  BindingNotFoundError,
  InvalidInputError,
  RegistryUnavailableError,
  SeatLimitError,
  TenancyError,
  TenantNotFoundError,
} from '../runtime/errors';
import { AUDIT_SK_PREFIX, type AuditAction, type AuditEntry, auditFromItem, membershipReason } from './audit-trail';
import { type Binding, bindingKey, describeBinding, parseBindingKey } from './binding';
import { type Item, M, N, readS, S } from './dynamo-item';
import { MembershipRegistry } from './membership-registry';
import { membershipFromItem, tenantFromItem, tenantItem, userFromItem, userMembershipItem } from './registry-items';
import { BINDING_SK_PREFIX, keys, MEMBER_SK_PREFIX, USER_TENANT_SK_PREFIX } from './registry-keys';
import {
  type NewTenant,
  validateDirectoryUser,
  validateMembership,
  validateNewTenant,
  validateRoleMappings,
  validateStatus,
} from './registry-rules';
import { itemKey } from './registry-table';
import type { DirectoryUserRef, Membership, Tenant, TenantStatus } from './tenant';
import { assertTenantId } from './tenant-id';
import { CONFLICT_RETRIES, retryBackoff } from './writable-registry-table';

/**
 * The registry as operators use it (the `tenants` CLI and `shared/operations/`): everything `MembershipRegistry`
 * does, plus listings (a table scan), tier/status/role-mapping changes, bindings and membership transfers.
 * No Lambda imports this module, so none of it (ScanCommand included) is in a Lambda bundle.
 */
export class TenantAdmin extends MembershipRegistry {
  /** Every tenant, sorted by id; a full scan meant for operators, not request paths (held in memory: for large registries use `tenantPages`). */
  async listTenants(): Promise<Tenant[]> {
    const found: Tenant[] = [];
    for await (const page of this.tenantPages()) found.push(...page);
    return found.sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  }

  /**
   * The tenants page by page, in the registry's scan order, each page as soon as DynamoDB returns it: a
   * million tenants are listed without holding them all. `pageSize` caps the items DynamoDB reads per page
   * (before the filter that keeps tenant items), for tests; DynamoDB's 1 MB page otherwise.
   */
  async *tenantPages(pageSize?: number): AsyncGenerator<Tenant[]> {
    const pages = paginateScan(
      { client: this.table.client, ...(pageSize === undefined ? {} : { pageSize }) },
      {
        TableName: this.table.tableName,
        // User items share the sort key `TENANT` (pk `USER#…`): keep tenant items only.
        FilterExpression: 'sk = :tenant AND begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':tenant': S('TENANT'), ':prefix': S('TENANT#') },
      },
    )[Symbol.asyncIterator]();
    for (;;) {
      const next = await this.table.send('listTenants', () => pages.next());
      if (next.done === true) return;
      const tenants = (next.value.Items ?? []).map(tenantFromItem);
      if (tenants.length > 0) yield tenants;
    }
  }

  /** Moves a tenant to another tier. Members beyond the new tier's seat limit stay; new ones are refused. */
  async setTier(tenantId: string, tier: string): Promise<Tenant> {
    this.tiers.get(tier);
    return this.#updateTenant(
      tenantId,
      'tier-changed',
      (tenant) => ({ ...tenant, tier }),
      S(tier),
      (t) => t.tier,
    );
  }

  /** Sets a tenant's status (`active`, `suspended`, `disabled`). */
  async setStatus(tenantId: string, status: TenantStatus): Promise<Tenant> {
    const valid = validateStatus(status);
    return this.#updateTenant(
      tenantId,
      'status-changed',
      (tenant) => ({ ...tenant, status: valid }),
      S(valid),
      (t) => t.status,
    );
  }

  /** Replaces a tenant's IdP group → role mappings. */
  async setRoleMappings(tenantId: string, roleMappings: Readonly<Record<string, string>>): Promise<Tenant> {
    const valid = validateRoleMappings(roleMappings);
    return this.#updateTenant(
      tenantId,
      'role-mappings-changed',
      (tenant) => ({ ...tenant, roleMappings: valid }),
      M(valid),
      (t) => JSON.stringify(t.roleMappings),
    );
  }

  /**
   * Changes one attribute of a tenant and records the change (old and new value) in the same transaction. The
   * write is conditioned on the `updatedAt` read, so the recorded old value is the one replaced; a concurrent
   * change makes it read and try again.
   */
  async #updateTenant(
    tenantId: string,
    action: AuditAction,
    change: (tenant: Tenant) => Tenant,
    value: AttributeValue,
    shown: (tenant: Tenant) => string,
  ): Promise<Tenant> {
    const attribute = action === 'tier-changed' ? 'tier' : action === 'status-changed' ? 'status' : 'roleMappings';
    for (let attempt = 0; attempt <= CONFLICT_RETRIES; attempt++) {
      const current = await this.requireTenant(tenantId, { consistent: true });
      const updated = { ...change(current), updatedAt: this.table.now().toISOString() };
      const entry = this.audit.entry(tenantId, action, 'operator-request', {
        detail: { from: shown(current), to: shown(updated) },
      });
      const reasons = await this.table.transact('updateTenant', [
        {
          Update: {
            TableName: this.table.tableName,
            Key: itemKey(keys.tenant(tenantId)),
            UpdateExpression: 'SET #a = :v, updatedAt = :now',
            ConditionExpression: 'updatedAt = :read',
            ExpressionAttributeNames: { '#a': attribute },
            ExpressionAttributeValues: { ':v': value, ':now': S(updated.updatedAt), ':read': S(current.updatedAt) },
          },
        },
        this.audit.put(entry),
      ]);
      if (reasons === undefined) return updated;
      if (!reasons[0]) break;
    }
    throw new RegistryUnavailableError('updateTenant');
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
      // A pool binding is also kept on the tenant item (`siloPools`), where every reader of the tenant sees it.
      binding.kind === 'pool'
        ? { Update: { ...this.#siloPoolsUpdate(tenantId, 'ADD', binding.userPoolId), TableName: table } }
        : {
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
          // Held already (by anyone): nothing is written, so a repeated bind adds no audit item.
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      { Put: { TableName: table, Item: itemKey(keys.tenantBinding(tenantId, key)) } },
      this.audit.put(
        this.audit.entry(tenantId, 'binding-added', 'operator-request', {
          detail: { binding: describeBinding(binding) },
        }),
      ),
    ]);
    if (reasons === undefined) return;
    if (reasons[0]) throw new TenantNotFoundError(tenantId);
    if (!reasons[1]) throw new RegistryUnavailableError('bind');
    const holder = await this.resolveBinding(binding);
    if (holder === tenantId) {
      // Held already: a pool binding made before the tenant item kept its pools gets them now (idempotent).
      if (binding.kind === 'pool') {
        const update = this.#siloPoolsUpdate(tenantId, 'ADD', binding.userPoolId);
        await this.table.send('bind', () =>
          this.table.client.send(new UpdateItemCommand({ ...update, TableName: this.table.tableName })),
        );
      }
      return;
    }
    throw new BindingConflictError(describeBinding(binding), holder ?? 'another tenant');
  }

  /**
   * Reads, with consistent reads, the tenants, memberships and binding holders an import checks, in
   * `BatchGetItem` calls of at most 100 keys (the API refuses more, docs/operations.md "Import"); keys a call
   * leaves unprocessed are asked again with backoff. What is absent is absent from the answer.
   */
  async lookup(request: LookupRequest): Promise<RegistryLookup> {
    const wanted = new Map<string, { pk: string; sk: string }>();
    const want = (key: { pk: string; sk: string }) => wanted.set(`${key.pk}\n${key.sk}`, key);
    for (const tenantId of request.tenantIds) want(keys.tenant(assertTenantId(tenantId)));
    for (const { tenantId, sub } of request.memberships) want(keys.membership(assertTenantId(tenantId), sub));
    for (const binding of request.bindings) want(keys.binding(bindingKey(binding)));
    const found = new Map<string, Item>();
    const all = [...wanted.values()];
    for (let start = 0; start < all.length; start += BATCH_GET_KEY_LIMIT) {
      for (const item of await this.#batchGet(all.slice(start, start + BATCH_GET_KEY_LIMIT))) {
        found.set(`${readS(item, 'pk')}\n${readS(item, 'sk')}`, item);
      }
    }
    const at = (key: { pk: string; sk: string }) => found.get(`${key.pk}\n${key.sk}`);
    return {
      tenant: (tenantId) => {
        const item = at(keys.tenant(tenantId));
        return item === undefined ? undefined : tenantFromItem(item);
      },
      isMember: (tenantId, sub) => at(keys.membership(tenantId, sub)) !== undefined,
      holder: (binding) => {
        const item = at(keys.binding(bindingKey(binding)));
        return item === undefined ? undefined : readS(item, 'tenantId');
      },
    };
  }

  /** One `BatchGetItem` of at most 100 keys, asking again for what DynamoDB leaves in `UnprocessedKeys`. */
  async #batchGet(wanted: readonly { pk: string; sk: string }[]): Promise<Item[]> {
    let pending: Item[] = wanted.map(itemKey);
    const items: Item[] = [];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > CONFLICT_RETRIES) throw new RegistryUnavailableError('lookup');
      if (attempt > 0) await retryBackoff(attempt);
      const keysNow = pending;
      const page = await this.table.send('lookup', () =>
        this.table.client.send(
          new BatchGetItemCommand({
            RequestItems: { [this.table.tableName]: { Keys: keysNow, ConsistentRead: true } },
          }),
        ),
      );
      items.push(...(page.Responses?.[this.table.tableName] ?? []));
      pending = page.UnprocessedKeys?.[this.table.tableName]?.Keys ?? [];
    }
    return items;
  }

  /**
   * Creates new tenants whole, several in one `TransactWriteItems`: each tenant item (at its final status,
   * with its seat and admin counts and its pools), its members adopted (membership, reverse item, the user's
   * active tenant when the user has none), its bindings, and the audit items a one-by-one creation records
   * (`tenant-created`, `member-assigned`, `status-changed`, `binding-added`), in that order. Every item is
   * written only where none exists, so the transaction writes all of it or nothing.
   *
   * The API's limits are checked before sending (`InvalidInputError`): at most 100 actions and no two on the
   * same item (docs/operations.md "Import"); a tenant whose members exceed its tier's seats is a
   * `SeatLimitError`. Returns `undefined` when written, or the ids of the tenants whose items already existed
   * (then nothing was written).
   */
  async createTenants(tenants: readonly CompleteTenant[]): Promise<string[] | undefined> {
    const owners: string[] = [];
    const actions: TransactWriteItem[] = [];
    for (const complete of tenants) {
      const built = this.#completeTenant(complete);
      actions.push(...built.actions);
      owners.push(...built.actions.map(() => built.tenantId));
    }
    assertTransactionLimits(actions);
    const reasons = await this.table.transact('importTenants', actions);
    if (reasons === undefined) return undefined;
    return [...new Set(owners.filter((_, index) => reasons[index]))];
  }

  /** The actions creating one tenant whole (`createTenants`); as many as `completeTenantActions` counts. */
  #completeTenant(complete: CompleteTenant): { tenantId: string; actions: TransactWriteItem[] } {
    const valid = validateNewTenant(complete.tenant, this.tiers);
    const tenantId = valid.tenantId;
    const members = complete.members.map((member) =>
      validateMembership({ tenantId, sub: member.sub, role: member.role, source: 'adopt' }),
    );
    const seatLimit = this.tiers.get(valid.tier).seatLimit;
    if (members.length > seatLimit) throw new SeatLimitError(tenantId, seatLimit, valid.tier);
    const now = this.table.now().toISOString();
    const pools = complete.bindings.flatMap((binding) => (binding.kind === 'pool' ? [binding.userPoolId] : []));
    const table = this.table.tableName;
    let sequence = 0;
    const audit = (entry: AuditEntry) => this.audit.put(entry, sequence++);
    const actions: TransactWriteItem[] = [
      {
        Put: {
          TableName: table,
          Item: {
            ...tenantItem({ ...valid, seats: members.length, createdAt: now, updatedAt: now }),
            admins: N(members.filter((member) => member.role === this.adminRole).length),
            ...(pools.length === 0 ? {} : { siloPools: { SS: [...new Set(pools)] } }),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      // As a one-by-one import records it: created active, members added, then the seed's status.
      audit(
        this.audit.entry(tenantId, 'tenant-created', 'operator-request', {
          detail: { tier: valid.tier, status: 'active', name: valid.name },
        }),
      ),
    ];
    for (const member of members) {
      const membership: Membership = { ...member, status: 'active', joinedAt: now };
      actions.push(
        ...this.putMembership(membership),
        audit(
          this.audit.entry(tenantId, 'member-assigned', membershipReason('adopt'), {
            sub: member.sub,
            detail: { role: member.role, source: 'adopt', tier: valid.tier },
          }),
        ),
        this.claimActiveTenant(membership, undefined),
      );
    }
    if (valid.status !== 'active') {
      actions.push(
        audit(
          this.audit.entry(tenantId, 'status-changed', 'operator-request', {
            detail: { from: 'active', to: valid.status },
          }),
        ),
      );
    }
    for (const binding of complete.bindings) {
      const key = bindingKey(binding);
      actions.push(
        {
          Put: {
            TableName: table,
            Item: { ...itemKey(keys.binding(key)), tenantId: S(tenantId), boundAt: S(now) },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        { Put: { TableName: table, Item: itemKey(keys.tenantBinding(tenantId, key)) } },
        audit(
          this.audit.entry(tenantId, 'binding-added', 'operator-request', {
            detail: { binding: describeBinding(binding) },
          }),
        ),
      );
    }
    return { tenantId, actions };
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
      ...(binding.kind === 'pool'
        ? [{ Update: { ...this.#siloPoolsUpdate(tenantId, 'DELETE', binding.userPoolId), TableName: table } }]
        : []),
      this.audit.put(
        this.audit.entry(tenantId, 'binding-removed', 'operator-request', {
          detail: { binding: describeBinding(binding) },
        }),
      ),
    ]);
    if (reasons?.[0]) throw new BindingNotFoundError(describeBinding(binding), tenantId);
    if (reasons !== undefined) throw new RegistryUnavailableError('unbind');
  }

  /** Adds a pool to, or deletes it from, the tenant item's `siloPools` set, only while the tenant exists. */
  #siloPoolsUpdate(tenantId: string, action: 'ADD' | 'DELETE', userPoolId: string) {
    return {
      Key: itemKey(keys.tenant(tenantId)),
      UpdateExpression: `${action} siloPools :pool`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':pool': { SS: [userPoolId] } },
    };
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

  /** The members of a tenant (any status: `invited` reservations included). */
  async listMembers(tenantId: string): Promise<Membership[]> {
    const items = await this.#queryTenant(tenantId, MEMBER_SK_PREFIX, 'listMembers');
    return items.map(membershipFromItem);
  }

  /**
   * Moves an invitation's reservation (and its seat) from the placeholder subject to the user's sub in one
   * transaction, as an active membership (counted as an admin when its role is the admin role; the user's
   * active tenant when the user has none): used by invitations, which reserve the seat before Cognito has
   * issued the sub. Idempotent: when `toSub` already holds the membership and `fromSub` is gone, that
   * membership is returned. When `toSub` already is a member (invited twice), the reservation is released
   * and the existing membership is returned unchanged.
   */
  async transferMembership(
    tenantId: string,
    fromSub: string,
    toSub: string,
    directoryUser?: DirectoryUserRef,
  ): Promise<Membership> {
    validateMembership({ tenantId, sub: fromSub, role: 'x', source: 'invite' });
    validateMembership({ tenantId, sub: toSub, role: 'x', source: 'invite', directoryUser });
    const current = await this.getMembership(tenantId, fromSub, { consistent: true });
    const done = await this.getMembership(tenantId, toSub, { consistent: true });
    if (current === undefined) {
      if (done !== undefined) return done;
      throw new TenancyError(`user ${fromSub} has no membership in tenant ${tenantId} to transfer`);
    }
    if (done !== undefined) {
      await this.removeMember(tenantId, fromSub);
      return done;
    }
    const membership: Membership = { ...current, sub: toSub, status: 'active' };
    // An active subject whose active tenant this was loses it (an invitation's placeholder never has one).
    const fromActive = (await this.getUserTenantId(fromSub, { consistent: true })) === tenantId;
    const entry = this.audit.entry(tenantId, 'membership-transferred', membershipReason(current.source), {
      sub: toSub,
      detail: { from: fromSub, role: current.role },
    });
    const reasons = await this.table.transact('transferMembership', [
      {
        Delete: {
          TableName: this.table.tableName,
          Key: itemKey(keys.membership(tenantId, fromSub)),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      { Delete: { TableName: this.table.tableName, Key: itemKey(keys.userMembership(fromSub, tenantId)) } },
      ...this.putMembership(membership),
      this.audit.put(entry),
      this.claimActiveTenant(membership, directoryUser),
      ...(fromActive
        ? [
            {
              Update: {
                TableName: this.table.tableName,
                Key: itemKey(keys.user(fromSub)),
                UpdateExpression: 'REMOVE tenantId',
                ConditionExpression: 'tenantId = :t',
                ExpressionAttributeValues: { ':t': S(tenantId) },
              },
            },
          ]
        : []),
      ...(membership.role === this.adminRole && current.status !== 'active' ? [this.countAdmin(tenantId, 1)] : []),
    ]);
    if (reasons === undefined) return membership;
    throw new TenancyError(`could not transfer the membership of ${fromSub} in tenant ${tenantId} to ${toSub}`);
  }

  /**
   * Every item `tenants migrate` may have to upgrade, from one scan (docs/memberships.md "Upgrading"):
   * the memberships (and whether each has its status and its reverse item), the user items, and each
   * tenant's stored admin count. Operator-only: a full scan.
   */
  async scanForUpgrade(): Promise<UpgradeScan> {
    return this.table.send('scanForUpgrade', async () => {
      const memberships: { membership: Membership; hasStatus: boolean }[] = [];
      const reverse = new Set<string>();
      const users: UpgradeScan['users'][number][] = [];
      const tenants: UpgradeScan['tenants'][number][] = [];
      for await (const page of paginateScan({ client: this.table.client }, { TableName: this.table.tableName })) {
        for (const item of page.Items ?? []) {
          const pk = item.pk?.S ?? '';
          const sk = item.sk?.S ?? '';
          if (pk.startsWith('TENANT#') && sk.startsWith(MEMBER_SK_PREFIX)) {
            memberships.push({ membership: membershipFromItem(item), hasStatus: item.status !== undefined });
          } else if (pk.startsWith('USER#') && sk.startsWith(USER_TENANT_SK_PREFIX)) {
            reverse.add(`${sk.slice(USER_TENANT_SK_PREFIX.length)}/${pk.slice('USER#'.length)}`);
          } else if (pk.startsWith('USER#') && sk === 'TENANT') {
            users.push({ sub: pk.slice('USER#'.length), ...userFromItem(item) });
          } else if (pk.startsWith('TENANT#') && sk === 'TENANT') {
            tenants.push({
              tenantId: pk.slice('TENANT#'.length),
              admins: item.admins?.N === undefined ? undefined : Number(item.admins.N),
            });
          }
        }
      }
      return {
        memberships: memberships.map((m) => ({
          ...m,
          hasReverse: reverse.has(`${m.membership.tenantId}/${m.membership.sub}`),
        })),
        users,
        tenants,
      };
    });
  }

  /**
   * Upgrades one membership written before statuses and reverse items: writes its status (`invited` for an
   * invitation's placeholder subject, else `active`) and its reverse item, with a `membership-migrated` audit
   * item, in one transaction conditioned on the role read. `false` when there was nothing to do (done by a
   * concurrent run, or removed meanwhile).
   */
  async upgradeMembership(membership: Membership, hasStatus: boolean, hasReverse: boolean): Promise<boolean> {
    if (hasStatus && hasReverse) return false;
    const status = hasStatus ? membership.status : PLACEHOLDER.test(membership.sub) ? 'invited' : 'active';
    const upgraded: Membership = { ...membership, status };
    const reasons = await this.table.transact('upgradeMembership', [
      {
        Update: {
          TableName: this.table.tableName,
          Key: itemKey(keys.membership(membership.tenantId, membership.sub)),
          UpdateExpression: 'SET #status = :status',
          ConditionExpression: hasStatus
            ? '#role = :role AND #status = :status'
            : '#role = :role AND attribute_not_exists(#status)',
          ExpressionAttributeNames: { '#role': 'role', '#status': 'status' },
          ExpressionAttributeValues: { ':role': S(membership.role), ':status': S(status) },
        },
      },
      {
        Put: {
          TableName: this.table.tableName,
          Item: userMembershipItem(upgraded),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      this.audit.put(
        this.audit.entry(membership.tenantId, 'membership-migrated', 'registry-upgrade', {
          sub: membership.sub,
          detail: { status, role: membership.role },
        }),
      ),
    ]);
    return reasons === undefined;
  }

  /**
   * Sets a tenant's admin count to `count` (the active admin memberships counted by `tenants migrate`),
   * conditioned on the value read before counting, so a concurrent promotion or removal makes the caller
   * count again (`false`). A count already right writes nothing (`true`).
   */
  async setAdminCount(tenantId: string, count: number, read: number | undefined): Promise<boolean> {
    if (read === count) return true;
    const reasons = await this.table.transact('setAdminCount', [
      {
        Update: {
          TableName: this.table.tableName,
          Key: itemKey(keys.tenant(tenantId)),
          UpdateExpression: 'SET admins = :count',
          ConditionExpression:
            read === undefined ? 'attribute_exists(pk) AND attribute_not_exists(admins)' : 'admins = :read',
          ExpressionAttributeValues: { ':count': N(count), ...(read === undefined ? {} : { ':read': N(read) }) },
        },
      },
      this.audit.put(
        this.audit.entry(tenantId, 'membership-migrated', 'registry-upgrade', {
          detail: { admins: String(count), from: read === undefined ? '(none)' : String(read) },
        }),
      ),
    ]);
    return reasons === undefined;
  }

  /**
   * Records where a user lives in Cognito on their user item, when it does not say yet (items written before
   * the registry kept it). `false` when the item is gone or already has it.
   */
  async recordDirectoryUser(sub: string, user: DirectoryUserRef): Promise<boolean> {
    validateDirectoryUser(user);
    const reasons = await this.table.transact('recordDirectoryUser', [
      {
        Update: {
          TableName: this.table.tableName,
          Key: itemKey(keys.user(sub)),
          UpdateExpression: 'SET userPoolId = :pool, username = :name',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(username)',
          ExpressionAttributeValues: { ':pool': S(user.userPoolId), ':name': S(user.username) },
        },
      },
    ]);
    return reasons === undefined;
  }

  /**
   * A tenant's audit trail, newest first, one page at a time: at most `limit` entries at or after `since`
   * (ISO 8601), only those about user `sub` when given. `next` continues after the last entry of the page.
   */
  async listAudit(tenantId: string, query: AuditQuery = {}): Promise<AuditPage> {
    const limit = query.limit ?? 20;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
      throw new InvalidInputError('limit must be an integer from 1 to 1000', 'limit');
    }
    const pk = keys.tenant(assertTenantId(tenantId)).pk;
    const lower = `${AUDIT_SK_PREFIX}${query.since ?? ''}`;
    // `~` sorts after every character of an ISO timestamp: the upper bound of all audit sort keys.
    const upper = `${AUDIT_SK_PREFIX}~`;
    const entries: AuditEntry[] = [];
    let start: Record<string, AttributeValue> | undefined =
      query.next === undefined ? undefined : { pk: S(pk), sk: S(decodeCursor(query.next)) };
    do {
      const page = await this.table.send('listAudit', () =>
        this.table.client.send(
          new QueryCommand({
            TableName: this.table.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
            ...(query.sub === undefined ? {} : { FilterExpression: '#sub = :sub' }),
            ExpressionAttributeNames: query.sub === undefined ? undefined : { '#sub': 'sub' },
            ExpressionAttributeValues: {
              ':pk': S(pk),
              ':lower': S(lower),
              ':upper': S(upper),
              ...(query.sub === undefined ? {} : { ':sub': S(query.sub) }),
            },
            ScanIndexForward: false,
            Limit: limit - entries.length,
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of page.Items ?? []) entries.push(auditFromItem(item));
      start = page.LastEvaluatedKey;
      // The key the next page starts before: the last item read, whether or not the filter kept it.
      if (start !== undefined && entries.length >= limit) {
        return { entries, next: encodeCursor(readS(start, 'sk')) };
      }
    } while (start !== undefined);
    return { entries, next: undefined };
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
}

/**
 * The most actions one `TransactWriteItems` may hold, and keys one `BatchGetItem` may ask for (DynamoDB API
 * reference, TransactWriteItems and BatchGetItem; docs/operations.md "Import").
 */
export const TRANSACTION_ACTION_LIMIT = 100;
export const BATCH_GET_KEY_LIMIT = 100;

/** A new tenant written whole by `createTenants`: the tenant, the users it adopts, its bindings. */
export interface CompleteTenant {
  readonly tenant: NewTenant & { readonly tenantId: string };
  readonly members: readonly { readonly sub: string; readonly role: string }[];
  readonly bindings: readonly Binding[];
}

/** How many transaction actions `createTenants` writes for `tenant` (grouping tenants within the limit). */
export function completeTenantActions(tenant: CompleteTenant): number {
  const status = tenant.tenant.status ?? 'active';
  return 2 + 4 * tenant.members.length + (status === 'active' ? 0 : 1) + 3 * tenant.bindings.length;
}

/**
 * Refuses what `TransactWriteItems` refuses before sending it: more than 100 actions, or two actions on the
 * same item (the API cancels such a transaction with a `ValidationException`).
 */
export function assertTransactionLimits(actions: readonly TransactWriteItem[]): void {
  if (actions.length > TRANSACTION_ACTION_LIMIT) {
    throw new InvalidInputError(
      `a transaction holds at most ${TRANSACTION_ACTION_LIMIT} actions, not ${actions.length}`,
      'transaction',
    );
  }
  const seen = new Set<string>();
  for (const action of actions) {
    const key = action.Put?.Item ?? action.Update?.Key ?? action.Delete?.Key ?? action.ConditionCheck?.Key ?? {};
    const id = `${key.pk?.S}\n${key.sk?.S}`;
    if (seen.has(id))
      throw new InvalidInputError(`a transaction may not hold two actions on ${key.pk?.S}`, 'transaction');
    seen.add(id);
  }
}

/** What `lookup` reads. */
export interface LookupRequest {
  readonly tenantIds: readonly string[];
  readonly memberships: readonly { readonly tenantId: string; readonly sub: string }[];
  readonly bindings: readonly Binding[];
}

/** What `lookup` found. */
export interface RegistryLookup {
  /** The tenant, when it exists. */
  tenant(tenantId: string): Tenant | undefined;
  /** Whether the user holds a membership of the tenant (any status). */
  isMember(tenantId: string, sub: string): boolean;
  /** The tenant holding the binding, when one does. */
  holder(binding: Binding): string | undefined;
}

// The subject an invitation reserves its seat under (`invitationPlaceholder` in shared/operations/invitation.ts).
const PLACEHOLDER = /^invite-[0-9a-f]{32}$/;

/** What `scanForUpgrade` found. */
export interface UpgradeScan {
  readonly memberships: readonly { membership: Membership; hasStatus: boolean; hasReverse: boolean }[];
  readonly users: readonly {
    sub: string;
    activeTenantId: string | undefined;
    directoryUser: DirectoryUserRef | undefined;
  }[];
  readonly tenants: readonly { tenantId: string; admins: number | undefined }[];
}

/** What `listAudit` selects. */
export interface AuditQuery {
  /** ISO 8601 time (or a prefix of one, e.g. `2026-11-26`): entries at or after it. */
  readonly since?: string | undefined;
  /** Only entries about this user. */
  readonly sub?: string | undefined;
  /** Entries per page, 1–1000 (default 20). */
  readonly limit?: number | undefined;
  /** The `next` of the previous page. */
  readonly next?: string | undefined;
}

/** One page of a tenant's audit trail, newest first. */
export interface AuditPage {
  readonly entries: AuditEntry[];
  /** Pass as `next` for the following (older) page; `undefined` on the last page. */
  readonly next: string | undefined;
}

// The cursor is the sort key of the last item a page read; the next page starts after it (ExclusiveStartKey).
function encodeCursor(sk: string): string {
  return Buffer.from(sk, 'utf8').toString('base64url');
}

function decodeCursor(next: string): string {
  const sk = Buffer.from(next, 'base64url').toString('utf8');
  if (!sk.startsWith(AUDIT_SK_PREFIX) || sk.length > 200)
    throw new InvalidInputError('malformed paging cursor', 'next');
  return sk;
}
