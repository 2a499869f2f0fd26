import { randomUUID } from 'node:crypto';

/** A document's metadata, as the tenant data table holds it (the body lives in the tenant data bucket). */
export interface DocumentMetadata {
  readonly tenantId: string;
  readonly id: string;
  readonly title: string;
  /** The `sub` of the user who created it. */
  readonly owner: string;
  readonly contentType: string;
  /** Body size in bytes. */
  readonly size: number;
  readonly createdAt: string;
}

const DOCUMENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SORT_KEY_PREFIX = 'DOC#';

/** Whether `value` is a document id this service could have issued (a random UUID). */
export function isDocumentId(value: unknown): value is string {
  return typeof value === 'string' && DOCUMENT_ID.test(value);
}

/** A new, non-guessable document id. */
export function newDocumentId(): string {
  return randomUUID();
}

/** The table's sort key of a document: `DOC#<id>` (the partition key is the tenant id). */
export function documentSortKey(id: string): string {
  return `${SORT_KEY_PREFIX}${id}`;
}

/** The document id in a sort key, or `undefined` when the key is not a document's. */
export function documentIdFromSortKey(sortKey: string): string | undefined {
  const id = sortKey.startsWith(SORT_KEY_PREFIX) ? sortKey.slice(SORT_KEY_PREFIX.length) : undefined;
  return isDocumentId(id) ? id : undefined;
}

/** The sort key prefix every document shares (other item kinds may live in the same partition). */
export const DOCUMENT_SORT_KEY_PREFIX = SORT_KEY_PREFIX;

/**
 * The object key of a document's body: under the tenant's prefix, which the tenant role's S3 statements
 * (`<bucket>/${aws:PrincipalTag/TenantID}/*`) confine each session to.
 */
export function documentObjectKey(tenantId: string, id: string): string {
  return `${tenantId}/documents/${id}`;
}
