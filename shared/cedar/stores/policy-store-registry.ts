import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CorruptItemError, type Item, N, readN, readS, S } from '../../registry/dynamo-item';
import { policyKeys } from '../../registry/registry-keys';
import { itemKey, RegistryTable } from '../../registry/registry-table';
import { assertTenantId } from '../../registry/tenant-id';

/** A tenant's policy store as the registry records it. */
export interface PolicyStoreRecord {
  readonly tenantId: string;
  /** The Amazon Verified Permissions policy store, when the tenant has one. */
  readonly policyStoreId?: string;
  /** AVP policy template ids by template name (share links name the template by id). */
  readonly avpTemplateIds: Readonly<Record<string, string>>;
  /** Incremented on every write of the record (create, sync). */
  readonly version: number;
  /** The embedded engine's global policies: id → Cedar text. */
  readonly policies: Readonly<Record<string, string>>;
  /** The embedded engine's templates: id → Cedar text. */
  readonly templates: Readonly<Record<string, string>>;
  readonly updatedAt: string;
  /**
   * Share links `policies sync` is moving onto a replaced template, written before it deletes them, so that a
   * run stopped between a link's delete and its re-creation loses nothing (docs/cedar.md "Replacing a template
   * that has shares"). Empty or absent outside a sync.
   */
  readonly pendingLinks?: readonly PendingLink[];
}

/** A template-linked policy being moved onto the new copy of its template. */
export interface PendingLink {
  /** The managed template's id (its file name), not an AVP id: the copy it lands on is the record's. */
  readonly template: string;
  /** The policy's name (bare, e.g. `share-<linkId>`), if it has one. */
  readonly name?: string;
  readonly principal: { readonly entityType: string; readonly entityId: string };
  readonly resource: { readonly entityType: string; readonly entityId: string };
}

/**
 * The registry's policy item that Lambdas read: one `POLICY_STORE` item per tenant (AVP store id and template
 * ids, embedded policy set, version). Operators write it through `PolicyStoreAdmin`. Shares are tenant data
 * and live with it (shared/cedar/sharing/share-links.ts).
 */
export class PolicyStoreRegistry {
  protected readonly table: RegistryTable;

  constructor(options: { client: DynamoDBClient; tableName: string; now?: () => Date }) {
    this.table = new RegistryTable(options.client, options.tableName, options.now ?? (() => new Date()));
  }

  /** The tenant's record, or `undefined` when it has no policy store. */
  async getRecord(tenantId: string, options: { consistent?: boolean } = {}): Promise<PolicyStoreRecord | undefined> {
    const item = await this.table.get(policyKeys.store(assertTenantId(tenantId)), 'getPolicyStore', options.consistent);
    return item === undefined ? undefined : recordFromItem(item);
  }
}

/** The item of a policy store record. */
export function recordItem(record: PolicyStoreRecord): Item {
  return {
    ...itemKey(policyKeys.store(record.tenantId)),
    tenantId: S(record.tenantId),
    ...(record.policyStoreId === undefined ? {} : { policyStoreId: S(record.policyStoreId) }),
    version: N(record.version),
    // Cedar texts as one JSON string each: the Lambda reads them whole, and maps of long strings gain nothing.
    policies: S(JSON.stringify(record.policies)),
    templates: S(JSON.stringify(record.templates)),
    avpTemplateIds: S(JSON.stringify(record.avpTemplateIds)),
    updatedAt: S(record.updatedAt),
    ...((record.pendingLinks ?? []).length === 0 ? {} : { pendingLinks: S(JSON.stringify(record.pendingLinks)) }),
  };
}

function recordFromItem(item: Item): PolicyStoreRecord {
  const policyStoreId = item.policyStoreId?.S;
  return {
    tenantId: readS(item, 'tenantId'),
    ...(policyStoreId === undefined ? {} : { policyStoreId }),
    version: readN(item, 'version'),
    policies: readTextMap(item, 'policies'),
    templates: readTextMap(item, 'templates'),
    avpTemplateIds: item.avpTemplateIds === undefined ? {} : readTextMap(item, 'avpTemplateIds'),
    updatedAt: readS(item, 'updatedAt'),
    ...(item.pendingLinks === undefined ? {} : { pendingLinks: readPendingLinks(item) }),
  };
}

function readPendingLinks(item: Item): PendingLink[] {
  const corrupt = () => new CorruptItemError(readS(item, 'pk'), 'pendingLinks');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readS(item, 'pendingLinks'));
  } catch {
    throw corrupt();
  }
  if (!Array.isArray(parsed)) throw corrupt();
  const text = (value: unknown) => typeof value === 'string' && value !== '';
  const entity = (value: unknown) =>
    typeof value === 'object' &&
    value !== null &&
    text((value as Record<string, unknown>).entityType) &&
    text((value as Record<string, unknown>).entityId);
  for (const link of parsed as Record<string, unknown>[]) {
    const valid =
      typeof link === 'object' &&
      link !== null &&
      text(link.template) &&
      (link.name === undefined || text(link.name)) &&
      entity(link.principal) &&
      entity(link.resource);
    if (!valid) throw corrupt();
  }
  return parsed as PendingLink[];
}

function readTextMap(item: Item, name: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readS(item, name));
  } catch {
    throw new CorruptItemError(readS(item, 'pk'), name);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new CorruptItemError(readS(item, 'pk'), name);
  for (const value of Object.values(parsed)) {
    if (typeof value !== 'string') throw new CorruptItemError(readS(item, 'pk'), name);
  }
  return parsed as Record<string, string>;
}
