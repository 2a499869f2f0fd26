import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { PolicyStoreNotFoundError } from '../runtime/errors';
import { CorruptItemError, type Item, N, readN, readS, S } from './dynamo-item';
import { POLICY_LINK_SK_PREFIX, policyKeys } from './registry-keys';
import { itemKey, RegistryTable } from './registry-table';
import { assertTenantId } from './tenant-id';

/** A tenant's policy store as the registry records it. */
export interface PolicyStoreRecord {
  readonly tenantId: string;
  /** The Amazon Verified Permissions policy store, when the tenant has one. */
  readonly policyStoreId?: string;
  /** AVP policy template ids by template name (share links name the template by id). */
  readonly avpTemplateIds: Readonly<Record<string, string>>;
  /** Incremented on every change of the embedded policy set (sync, share). */
  readonly version: number;
  /** The embedded engine's global policies: id → Cedar text. */
  readonly policies: Readonly<Record<string, string>>;
  /** The embedded engine's templates: id → Cedar text. */
  readonly templates: Readonly<Record<string, string>>;
  readonly updatedAt: string;
}

/** A template link of the embedded engine: one template, one user, one document. */
export interface PolicyLink {
  readonly linkId: string;
  readonly templateId: string;
  readonly principalSub: string;
  readonly documentId: string;
}

/**
 * The registry's policy items that Lambdas use: one `POLICY_STORE` item per tenant (store id, embedded policy
 * set, version) and one `POLICY_LINK#…` item per embedded share, which the sharing route adds. Operators write
 * the rest through `PolicyStoreAdmin`.
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

  /** The tenant's embedded template links. */
  async listLinks(tenantId: string): Promise<PolicyLink[]> {
    assertTenantId(tenantId);
    const links: PolicyLink[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.table.send('listPolicyLinks', () =>
        this.table.client.send(
          new QueryCommand({
            TableName: this.table.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': S(`TENANT#${tenantId}`), ':prefix': S(POLICY_LINK_SK_PREFIX) },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) links.push(linkFromItem(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return links;
  }

  /**
   * Adds a link and bumps the set's version in one transaction, so every container re-parses the set.
   * Idempotent: a link that exists already is left as it is (`false`).
   */
  async addLink(tenantId: string, link: PolicyLink): Promise<boolean> {
    assertTenantId(tenantId);
    const failed = await this.table.transact('addPolicyLink', [
      {
        Put: {
          TableName: this.table.tableName,
          Item: {
            ...itemKey(policyKeys.link(tenantId, link.linkId)),
            templateId: S(link.templateId),
            principalSub: S(link.principalSub),
            documentId: S(link.documentId),
            createdAt: S(this.table.now().toISOString()),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: this.table.tableName,
          Key: itemKey(policyKeys.store(tenantId)),
          UpdateExpression: 'SET version = version + :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': N(1) },
        },
      },
    ]);
    if (failed === undefined) return true;
    if (failed[1] === true) throw new PolicyStoreNotFoundError(tenantId);
    return false;
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
  };
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

function linkFromItem(item: Item): PolicyLink {
  return {
    linkId: readS(item, 'sk').slice(POLICY_LINK_SK_PREFIX.length),
    templateId: readS(item, 'templateId'),
    principalSub: readS(item, 'principalSub'),
    documentId: readS(item, 'documentId'),
  };
}
