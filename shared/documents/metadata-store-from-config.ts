import type { TenantCredentialSource } from '../credentials/tenant-credential-source';
import type { DocumentMetadataStore } from './document-metadata-store';
import type { MetadataConfig } from './documents-config';

/**
 * The metadata store a configuration names: `undefined` for the tenant data table (DocumentStore's default),
 * or the PostgreSQL store. Its modules (`pg`, the RDS signer) are imported here, so a function configured for
 * PostgreSQL awaits this at cold start (every request needs them; the init phase pays, not the first caller),
 * and one configured for DynamoDB never loads them. Nothing is opened: pools, sign-ins and tokens come with a
 * tenant's first query.
 */
export async function metadataStoreFromConfig(
  config: MetadataConfig,
  source: TenantCredentialSource,
  onIdleError?: (tenantId: string, error: Error) => void,
): Promise<DocumentMetadataStore | undefined> {
  if (config.store === 'dynamodb') return undefined;
  const [{ tenantPoolsFromConfig }, { PostgresDocumentMetadata }] = await Promise.all([
    import('../postgres/tenant-pools-from-config'),
    import('./postgres-document-metadata'),
  ]);
  return new PostgresDocumentMetadata(tenantPoolsFromConfig(config.postgres, source, onIdleError));
}
