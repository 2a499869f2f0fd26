import type { DocumentMetadata } from './document';

/** One page of a tenant's documents. */
export interface DocumentPage {
  readonly documents: readonly DocumentMetadata[];
  /** The id to continue after, when there may be more. */
  readonly lastId?: string;
}

/**
 * Where document metadata lives: the tenant data table (`DynamoDocumentMetadata`) or PostgreSQL
 * (`PostgresDocumentMetadata`). Same contract for both, and both reach the data only through a connection or
 * client scoped to the tenant named in the call; the documents test suite runs against each.
 */
export interface DocumentMetadataStore {
  /** Stores a new document's metadata; rejects when its id exists already. */
  put(document: DocumentMetadata): Promise<void>;
  /** The metadata of a tenant's document, or `undefined`. */
  get(tenantId: string, id: string): Promise<DocumentMetadata | undefined>;
  /** Deletes a document's metadata (nothing happens when it is already gone). */
  delete(document: DocumentMetadata): Promise<void>;
  /** A page of at most `limit` of the tenant's documents in id order, after `afterId`. */
  list(tenantId: string, limit: number, afterId?: string): Promise<DocumentPage>;
}
