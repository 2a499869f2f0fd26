import type { TenantPools } from '../postgres/tenant-pools';
import type { DocumentMetadata } from './document';
import type { DocumentMetadataStore, DocumentPage } from './document-metadata-store';

interface DocumentRow extends Record<string, unknown> {
  id: string;
  title: string;
  owner: string;
  content_type: string;
  size: number;
  created_at: Date;
}

const COLUMNS = 'id, title, owner, content_type, size, created_at';

/**
 * Document metadata in PostgreSQL (`tenancy.documents`, postgres/migrations/0001_documents.sql), every
 * statement run on the tenant's own pool, signed in as the tenant's database role. The statements carry no
 * `tenant_id` condition on purpose: row level security (forced, one policy per command) confines the role to
 * its rows, so the classic bug of a missing `WHERE tenant_id = …` cannot leak here, and the tests prove it.
 * The tenant of a returned document is the one the connection was scoped to, never a stored column.
 */
export class PostgresDocumentMetadata implements DocumentMetadataStore {
  constructor(private readonly pools: TenantPools) {}

  /** Inserts the row; `tenant_id` defaults to the connection's role, and the primary key refuses a duplicate. */
  async put(document: DocumentMetadata): Promise<void> {
    await this.pools.query(
      document.tenantId,
      `INSERT INTO tenancy.documents (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`,
      [document.id, document.title, document.owner, document.contentType, document.size, document.createdAt],
    );
  }

  /** The document's row, as the tenant's role sees it. */
  async get(tenantId: string, id: string): Promise<DocumentMetadata | undefined> {
    const { rows } = await this.pools.query<DocumentRow>(
      tenantId,
      `SELECT ${COLUMNS} FROM tenancy.documents WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row === undefined ? undefined : fromRow(tenantId, row);
  }

  /** Deletes the document's row. */
  async delete(document: DocumentMetadata): Promise<void> {
    await this.pools.query(document.tenantId, 'DELETE FROM tenancy.documents WHERE id = $1', [document.id]);
  }

  /** One more row than the page asks for tells whether there is a next page. */
  async list(tenantId: string, limit: number, afterId?: string): Promise<DocumentPage> {
    const { rows } = await this.pools.query<DocumentRow>(
      tenantId,
      `SELECT ${COLUMNS} FROM tenancy.documents WHERE $1::uuid IS NULL OR id > $1::uuid ORDER BY id LIMIT $2`,
      [afterId ?? null, limit + 1],
    );
    const documents = rows.slice(0, limit).map((row) => fromRow(tenantId, row));
    const last = documents.at(-1);
    return rows.length > limit && last !== undefined ? { documents, lastId: last.id } : { documents };
  }
}

function fromRow(tenantId: string, row: DocumentRow): DocumentMetadata {
  return {
    tenantId,
    id: row.id,
    title: row.title,
    owner: row.owner,
    contentType: row.content_type,
    size: row.size,
    createdAt: row.created_at.toISOString(),
  };
}
