import {
  type AttributeValue,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { TenantClients } from '../credentials/tenant-clients';
import { DOCUMENT_SORT_KEY_PREFIX, type DocumentMetadata, documentIdFromSortKey, documentSortKey } from './document';
import type { DocumentMetadataStore, DocumentPage } from './document-metadata-store';

/**
 * Document metadata in the tenant data table (partition key = tenant id, sort key `DOC#<id>`), always through
 * the tenant's scoped DynamoDB client: IAM's `dynamodb:LeadingKeys` condition confines each session to its
 * tenant's partition.
 */
export class DynamoDocumentMetadata implements DocumentMetadataStore {
  constructor(
    private readonly clients: TenantClients,
    private readonly tableName: string,
  ) {}

  /** Writes the item unless one with the same key exists. */
  async put(document: DocumentMetadata): Promise<void> {
    const { dynamodb } = this.clients.forTenant(document.tenantId);
    await dynamodb.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(document),
        ConditionExpression: 'attribute_not_exists(sk)',
      }),
    );
  }

  /** A consistent read of the document's item in the tenant's partition. */
  async get(tenantId: string, id: string): Promise<DocumentMetadata | undefined> {
    const { dynamodb } = this.clients.forTenant(tenantId);
    const { Item } = await dynamodb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { tenantId: { S: tenantId }, sk: { S: documentSortKey(id) } },
        ConsistentRead: true,
      }),
    );
    return Item === undefined ? undefined : fromItem(tenantId, Item);
  }

  /** Deletes the document's item. */
  async delete(document: DocumentMetadata): Promise<void> {
    const { dynamodb } = this.clients.forTenant(document.tenantId);
    await dynamodb.send(
      new DeleteItemCommand({
        TableName: this.tableName,
        Key: { tenantId: { S: document.tenantId }, sk: { S: documentSortKey(document.id) } },
      }),
    );
  }

  /** One `Query` on the tenant's partition. */
  async list(tenantId: string, limit: number, afterId?: string): Promise<DocumentPage> {
    const { dynamodb } = this.clients.forTenant(tenantId);
    const { Items = [], LastEvaluatedKey } = await dynamodb.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'tenantId = :tenant AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':tenant': { S: tenantId }, ':prefix': { S: DOCUMENT_SORT_KEY_PREFIX } },
        Limit: limit,
        // The start key is rebuilt from the caller's tenant and an id: a cursor cannot name another partition.
        ...(afterId === undefined
          ? {}
          : { ExclusiveStartKey: { tenantId: { S: tenantId }, sk: { S: documentSortKey(afterId) } } }),
      }),
    );
    const documents = Items.map((item) => fromItem(tenantId, item));
    const lastSortKey = LastEvaluatedKey?.sk?.S;
    const lastId = lastSortKey === undefined ? undefined : documentIdFromSortKey(lastSortKey);
    return lastId === undefined ? { documents } : { documents, lastId };
  }
}

function toItem(document: DocumentMetadata): Record<string, AttributeValue> {
  return {
    tenantId: { S: document.tenantId },
    sk: { S: documentSortKey(document.id) },
    id: { S: document.id },
    title: { S: document.title },
    owner: { S: document.owner },
    contentType: { S: document.contentType },
    size: { N: String(document.size) },
    createdAt: { S: document.createdAt },
  };
}

/**
 * The metadata of an item read from `tenantId`'s partition. Its tenant is the one the read was scoped to, never
 * a stored attribute: the body is then read with that tenant's credentials, so stored data can never choose
 * which tenant's session is used.
 */
function fromItem(tenantId: string, item: Record<string, AttributeValue>): DocumentMetadata {
  return {
    tenantId,
    id: item.id?.S ?? '',
    title: item.title?.S ?? '',
    owner: item.owner?.S ?? '',
    contentType: item.contentType?.S ?? 'text/plain',
    size: Number(item.size?.N ?? 0),
    createdAt: item.createdAt?.S ?? '',
  };
}
