import type { TenantCredentialSource } from '../credentials/tenant-credential-source';
import type { DocumentMetadataStore } from './document-metadata-store';
import type { MetadataConfig } from './documents-config';

/**
 * The metadata store a configuration names: `undefined` for the tenant data table (DocumentStore's default),
 * or the PostgreSQL store, whose modules (`pg`, the RDS signer) are imported on its first call, so a function
 * configured for DynamoDB never loads them at cold start.
 */
export function metadataStoreFromConfig(
  config: MetadataConfig,
  source: TenantCredentialSource,
  onIdleError?: (tenantId: string, error: Error) => void,
): DocumentMetadataStore | undefined {
  if (config.store === 'dynamodb') return undefined;
  let loading: Promise<DocumentMetadataStore> | undefined;
  const store = () => {
    loading ??= Promise.all([
      import('../postgres/tenant-pools-from-config'),
      import('./postgres-document-metadata'),
    ]).then(
      ([{ tenantPoolsFromConfig }, { PostgresDocumentMetadata }]) =>
        new PostgresDocumentMetadata(tenantPoolsFromConfig(config.postgres, source, onIdleError)),
    );
    return loading;
  };
  return {
    put: async (document) => (await store()).put(document),
    get: async (tenantId, id) => (await store()).get(tenantId, id),
    delete: async (document) => (await store()).delete(document),
    list: async (tenantId, limit, afterId) => (await store()).list(tenantId, limit, afterId),
  };
}
