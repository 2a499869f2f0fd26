import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { TenantClients } from '../credentials/tenant-clients';
import { type DocumentMetadata, documentObjectKey } from './document';
import type { DocumentMetadataStore, DocumentPage } from './document-metadata-store';
import { DynamoDocumentMetadata } from './dynamo-document-metadata';

export type { DocumentPage } from './document-metadata-store';

export interface DocumentStoreOptions {
  /** Tenant-scoped clients: every call below runs with credentials confined to the document's tenant. */
  readonly clients: TenantClients;
  /** The tenant data table: the default metadata store (and the embedded engine's share links). */
  readonly tableName: string;
  readonly bucketName: string;
  /** Another metadata store with the same contract (PostgreSQL: `TENANCY_DOCUMENTS_METADATA=postgres`). */
  readonly metadata?: DocumentMetadataStore;
}

/**
 * The sample documents service's data: metadata in a `DocumentMetadataStore` (the tenant data table by
 * default), bodies in the tenant data bucket under `<tenantId>/documents/<id>`. It never uses a client or
 * connection that is not scoped to the tenant it reads or writes.
 */
export class DocumentStore {
  readonly #metadata: DocumentMetadataStore;

  constructor(private readonly options: DocumentStoreOptions) {
    this.#metadata = options.metadata ?? new DynamoDocumentMetadata(options.clients, options.tableName);
  }

  /**
   * Writes the body, then the metadata (a document that can be listed always has its body; a body whose
   * metadata write failed is unreachable and overwritten by no one, since ids are random).
   */
  async create(document: DocumentMetadata, content: string): Promise<void> {
    const { s3 } = this.options.clients.forTenant(document.tenantId);
    await s3.send(
      new PutObjectCommand({
        Bucket: this.options.bucketName,
        Key: documentObjectKey(document.tenantId, document.id),
        Body: content,
        ContentType: document.contentType,
      }),
    );
    await this.#metadata.put(document);
  }

  /** The metadata of a tenant's document, or `undefined`. */
  get(tenantId: string, id: string): Promise<DocumentMetadata | undefined> {
    return this.#metadata.get(tenantId, id);
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

  /** Deletes a document's metadata (nothing happens when it is already gone). */
  deleteMetadata(document: DocumentMetadata): Promise<void> {
    return this.#metadata.delete(document);
  }

  /** A page of the tenant's documents in id order. */
  list(tenantId: string, limit: number, afterId?: string): Promise<DocumentPage> {
    return this.#metadata.list(tenantId, limit, afterId);
  }
}
