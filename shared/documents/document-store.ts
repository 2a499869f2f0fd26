import {
  type AttributeValue,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { TenantClients } from '../credentials/tenant-clients';
import {
  DOCUMENT_SORT_KEY_PREFIX,
  type DocumentMetadata,
  documentIdFromSortKey,
  documentObjectKey,
  documentSortKey,
} from './document';

export interface DocumentStoreOptions {
  /** Tenant-scoped clients: every call below runs with credentials confined to the document's tenant. */
  readonly clients: TenantClients;
  readonly tableName: string;
  readonly bucketName: string;
}

/** One page of a tenant's documents. */
export interface DocumentPage {
  readonly documents: readonly DocumentMetadata[];
  /** The id to continue after, when there may be more. */
  readonly lastId?: string;
}

/**
 * The sample documents service's data: metadata in the tenant data table (partition key = tenant id, sort key
 * `DOC#<id>`), bodies in the tenant data bucket under `<tenantId>/documents/<id>`. It never uses a client that
 * is not scoped to the tenant it reads or writes.
 */
export class DocumentStore {
  constructor(private readonly options: DocumentStoreOptions) {}

  /**
   * Writes the body, then the metadata (a document that can be listed always has its body; a body whose
   * metadata write failed is unreachable and overwritten by no one, since ids are random).
   */
  async create(document: DocumentMetadata, content: string): Promise<void> {
    const { dynamodb, s3 } = this.options.clients.forTenant(document.tenantId);
    await s3.send(
      new PutObjectCommand({
        Bucket: this.options.bucketName,
        Key: documentObjectKey(document.tenantId, document.id),
        Body: content,
        ContentType: document.contentType,
      }),
    );
    await dynamodb.send(
      new PutItemCommand({
        TableName: this.options.tableName,
        Item: toItem(document),
        ConditionExpression: 'attribute_not_exists(sk)',
      }),
    );
  }

  /** The metadata of a tenant's document, or `undefined`. */
  async get(tenantId: string, id: string): Promise<DocumentMetadata | undefined> {
    const { dynamodb } = this.options.clients.forTenant(tenantId);
    const { Item } = await dynamodb.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: { tenantId: { S: tenantId }, sk: { S: documentSortKey(id) } },
        ConsistentRead: true,
      }),
    );
    return Item === undefined ? undefined : fromItem(tenantId, Item);
  }

  /**
   * The body of a tenant's document, or `undefined` when S3 says its object does not exist (`NoSuchKey`). In
   * AWS the tenant role may not list the bucket beyond its prefix condition, so a missing key answers
   * `AccessDenied` instead, which is thrown like any other refusal.
   */
  async content(document: DocumentMetadata): Promise<string | undefined> {
    const { s3 } = this.options.clients.forTenant(document.tenantId);
    try {
      const { Body } = await s3.send(
        new GetObjectCommand({
          Bucket: this.options.bucketName,
          Key: documentObjectKey(document.tenantId, document.id),
        }),
      );
      return (await Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      // By name, not class: the error may come from another copy of the S3 client module.
      if (error instanceof Error && error.name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  /** Deletes a document's body object (nothing happens when it is already gone). */
  async deleteContent(document: DocumentMetadata): Promise<void> {
    const { s3 } = this.options.clients.forTenant(document.tenantId);
    await s3.send(
      new DeleteObjectCommand({
        Bucket: this.options.bucketName,
        Key: documentObjectKey(document.tenantId, document.id),
      }),
    );
  }

  /** Deletes a document's metadata item (nothing happens when it is already gone). */
  async deleteMetadata(document: DocumentMetadata): Promise<void> {
    const { dynamodb } = this.options.clients.forTenant(document.tenantId);
    await dynamodb.send(
      new DeleteItemCommand({
        TableName: this.options.tableName,
        Key: { tenantId: { S: document.tenantId }, sk: { S: documentSortKey(document.id) } },
      }),
    );
  }

  /** A page of the tenant's documents in id order: one `Query` on the tenant's partition. */
  async list(tenantId: string, limit: number, afterId?: string): Promise<DocumentPage> {
    const { dynamodb } = this.options.clients.forTenant(tenantId);
    const { Items = [], LastEvaluatedKey } = await dynamodb.send(
      new QueryCommand({
        TableName: this.options.tableName,
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
