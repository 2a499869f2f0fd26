import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { deciderFromEnv } from '../cedar/decider-from-env';
import type { PolicyConfig } from '../cedar/policy-config';
import { shareDocument } from '../cedar/sharing/share-document';
import { TenantDataLinks } from '../cedar/sharing/share-links';
import { PolicyStoreRegistry } from '../cedar/stores/policy-store-registry';
import { TenantClients } from '../credentials/tenant-clients';
import type { TenantCredentialSource } from '../credentials/tenant-credential-source';
import type { RegistryConfig } from '../registry/registry-config';
import { RegistryReader } from '../registry/registry-reader';
import type { DecisionMetrics } from '../runtime/decision-metrics';
import { TRIGGER_CLIENT_LIMITS } from '../runtime/dynamodb-client';
import type { HandlerLogger } from '../runtime/handler-logger';
import { cedarDocumentDecider, cedarReadFilter } from './cedar-document-decider';
import type { DocumentMetadataStore } from './document-metadata-store';
import { DocumentStore } from './document-store';
import type { DocumentsConfig } from './documents-config';
import { type DocumentsEvent, documentsRequestOf } from './documents-route';
import { type DocumentsResponse, DocumentsService } from './documents-service';

/** Dependencies of the documents function; `functions/documents.ts` builds them at cold start. */
export interface DocumentsHandlerDeps {
  readonly config: DocumentsConfig;
  readonly policy: PolicyConfig;
  readonly registry: RegistryConfig;
  /**
   * The registry's client, with the function's own role (GetItem on policy store records and memberships).
   * Tenant data never goes through it: every data call uses `source`'s tenant-scoped credentials.
   */
  readonly registryClient: DynamoDBClient;
  /** Tenant-scoped credentials (STS AssumeRole with the tenant's session tag, or static ones locally). */
  readonly source: TenantCredentialSource;
  /**
   * Where metadata lives when not in the tenant data table: the PostgreSQL store (`metadataStoreFromConfig`),
   * signing in as the tenant's own role (docs/postgresql.md).
   */
  readonly metadata?: DocumentMetadataStore;
  readonly logger: HandlerLogger;
  /** Counts the Cedar decisions (docs/observability.md "Metrics"). */
  readonly metrics: Pick<DecisionMetrics, 'record'>;
}

/** The documents Lambda handler: an HTTP API 2.0 event in, a JSON response out; never throws. */
export type DocumentsHandler = (event: DocumentsEvent) => Promise<APIGatewayProxyStructuredResultV2>;

// A route key this function does not serve (a misrouted event): nothing to look up.
const NOT_FOUND: DocumentsResponse = { statusCode: 404, body: { message: 'Not found.' } };

/**
 * Creates the sample documents service's handler (docs/credentials.md, "Fine-grained
 * permissions"): clients and credentials cached per tenant across invocations, every route decided by Cedar,
 * shares written with the tenant's scoped credentials. The tenant comes from the authorizer context only.
 */
export function createDocumentsHandler(deps: DocumentsHandlerDeps): DocumentsHandler {
  const { config, policy, source, logger, metrics, metadata } = deps;
  const clients = new TenantClients({
    source,
    cacheSize: config.credentials.cacheSize,
    limits: TRIGGER_CLIENT_LIMITS,
    s3ForcePathStyle: config.credentials.mode === 'static-local',
  });
  const stores = new PolicyStoreRegistry({ client: deps.registryClient, tableName: deps.registry.tableName });
  // Memberships are only read here (GetItem).
  const members = new RegistryReader({ client: deps.registryClient, tableName: deps.registry.tableName });
  // Shares are tenant data: written and read with the tenant's scoped credentials only.
  const links = new TenantDataLinks({
    clientFor: (tenantId) => clients.forTenant(tenantId).dynamodb,
    tableName: config.tableName,
  });
  // AVP clients (engine `avp` only) are loaded on first use and sign with the tenant's scoped credentials.
  let avpClients: Promise<(tenantId: string) => VerifiedPermissionsClient> | undefined;
  const avpClient = async (tenantId: string) => {
    avpClients ??= import('../cedar/engines/tenant-avp-clients').then(({ tenantAvpClients }) =>
      tenantAvpClients(
        (id) => source.credentialsFor(id),
        TRIGGER_CLIENT_LIMITS,
        config.credentials.cacheSize,
        // The only write the tenant session may make: a share, of the registry's share template, in its store.
        stores,
      ),
    );
    return (await avpClients)(tenantId);
  };
  // The configuration is given, so the environment argument is never read.
  const decider = deciderFromEnv({}, { config: policy, stores, links, avpClient, metrics });
  const service = new DocumentsService({
    store: new DocumentStore({
      clients,
      tableName: config.tableName,
      bucketName: config.bucketName,
      ...(metadata === undefined ? {} : { metadata }),
    }),
    decide: cedarDocumentDecider(decider),
    // A list page's documents in one batch decision (AVP: BatchIsAuthorized, 30 per call).
    decideReads: cedarReadFilter(decider),
    share: (caller, document, recipientSub) =>
      shareDocument(
        {
          engine: policy.engine,
          decider,
          stores,
          links,
          avpClient,
          isMember: async (tenantId, sub) => (await members.getMembership(tenantId, sub)) !== undefined,
        },
        caller,
        { kind: 'document', id: document.id, tenantId: document.tenantId, ownerSub: document.owner },
        recipientSub,
      ),
    // The embedded engine's shares are tenant data: a deleted document takes its links with it.
    ...(policy.engine === 'embedded'
      ? { removeShares: (document) => links.removeDocumentLinks(document.tenantId, document.id) }
      : {}),
  });

  return async (event) => {
    logger.resetKeys();
    const request = documentsRequestOf(event);
    const response = request === undefined ? NOT_FOUND : await service.handle(request);
    if (response.error !== undefined) {
      const { name, message } = response.error instanceof Error ? response.error : { name: 'unknown', message: '' };
      const log = response.statusCode >= 500 ? logger.error.bind(logger) : logger.info.bind(logger);
      log('documents request refused', {
        statusCode: response.statusCode,
        reason: `${name}: ${message}`.slice(0, 300),
      });
    }
    return {
      statusCode: response.statusCode,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(response.body),
    };
  };
}
