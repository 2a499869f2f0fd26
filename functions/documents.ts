/**
 * The sample documents service behind the authorizer (HTTP API payload 2.0):
 * `POST /tenants/{tenantId}/documents`, `GET /tenants/{tenantId}/documents`,
 * `GET /tenants/{tenantId}/documents/{documentId}`, `DELETE /tenants/{tenantId}/documents/{documentId}` and
 * `POST /tenants/{tenantId}/documents/{documentId}/shares`.
 * The tenant comes from the authorizer context only; every data call runs with tenant-scoped credentials
 * (README "Tenant-scoped credentials"), and every route is decided by Cedar (README "Fine-grained permissions").
 */
import type { VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { credentialSource } from '../shared/credentials/credential-source';
import { TenantClients } from '../shared/credentials/tenant-clients';
import { cedarDocumentDecider } from '../shared/documents/cedar-document-decider';
import { DocumentStore } from '../shared/documents/document-store';
import { documentsConfigFromEnv } from '../shared/documents/documents-config';
import { type DocumentsRequest, type DocumentsResponse, DocumentsService } from '../shared/documents/documents-service';
import { deciderFromEnv } from '../shared/policies/decider-from-env';
import { policyConfigFromEnv } from '../shared/policies/policy-config';
import { shareDocument } from '../shared/policies/share-document';
import { TenantDataLinks } from '../shared/policies/share-links';
import { PolicyStoreRegistry } from '../shared/registry/policy-store-registry';
import { registryConfigFromEnv } from '../shared/registry/registry-config';
import { TenantRegistry } from '../shared/registry/tenant-registry';
import { DecisionMetrics } from '../shared/runtime/decision-metrics';
import { createDynamoDBClient, TRIGGER_CLIENT_LIMITS } from '../shared/runtime/dynamodb-client';
import { logger } from '../shared/runtime/logger';

type Event = APIGatewayProxyEventV2WithLambdaAuthorizer<Record<string, unknown>>;

// Cold start: configuration validated once; clients and credentials cached per tenant across invocations.
const config = documentsConfigFromEnv(process.env);
// Counts the credentials STS issues and the Cedar decisions (README "Metrics"); no tier: both are per tenant.
const metrics = new DecisionMetrics({ service: 'documents', tiers: [] });
const source = credentialSource(
  config.credentials,
  process.env,
  TRIGGER_CLIENT_LIMITS,
  process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'documents',
  metrics,
);
const clients = new TenantClients({
  source,
  cacheSize: config.credentials.cacheSize,
  limits: TRIGGER_CLIENT_LIMITS,
  s3ForcePathStyle: config.credentials.mode === 'static-local',
});
// The registry (policy store records, memberships) is read with the function's own role: GetItem only.
const registryConfig = registryConfigFromEnv(process.env);
const registryClient = createDynamoDBClient();
const stores = new PolicyStoreRegistry({ client: registryClient, tableName: registryConfig.tableName });
const members = new TenantRegistry({ client: registryClient, ...registryConfig });
// Shares are tenant data: written and read with the tenant's scoped credentials only.
const links = new TenantDataLinks({
  clientFor: (tenantId) => clients.forTenant(tenantId).dynamodb,
  tableName: config.tableName,
});
// AVP clients (engine `avp` only) are loaded on first use and sign with the tenant's scoped credentials.
let avpClients: Promise<(tenantId: string) => VerifiedPermissionsClient> | undefined;
const avpClient = async (tenantId: string) => {
  avpClients ??= import('../shared/policies/tenant-avp-clients').then(({ tenantAvpClients }) =>
    tenantAvpClients((id) => source.credentialsFor(id), TRIGGER_CLIENT_LIMITS, config.credentials.cacheSize),
  );
  return (await avpClients)(tenantId);
};
const policyConfig = policyConfigFromEnv(process.env);
const decider = deciderFromEnv(process.env, { config: policyConfig, stores, links, avpClient, metrics });
const service = new DocumentsService({
  store: new DocumentStore({ clients, tableName: config.tableName, bucketName: config.bucketName }),
  decide: cedarDocumentDecider(decider),
  share: (caller, document, recipientSub) =>
    shareDocument(
      {
        engine: policyConfig.engine,
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
  ...(policyConfig.engine === 'embedded'
    ? { removeShares: (document) => links.removeDocumentLinks(document.tenantId, document.id) }
    : {}),
});

// A route key this function does not serve (a misrouted event): nothing to look up.
const NOT_FOUND: DocumentsResponse = { statusCode: 404, body: { message: 'Not found.' } };

/** The Lambda handler. */
export async function handler(event: Event): Promise<APIGatewayProxyStructuredResultV2> {
  logger.resetKeys();
  const request = toRequest(event);
  const response = request === undefined ? NOT_FOUND : await service.handle(request);
  if (response.error !== undefined) {
    const { name, message } = response.error instanceof Error ? response.error : { name: 'unknown', message: '' };
    const log = response.statusCode >= 500 ? logger.error.bind(logger) : logger.info.bind(logger);
    log('documents request refused', { statusCode: response.statusCode, reason: `${name}: ${message}`.slice(0, 300) });
  }
  return {
    statusCode: response.statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(response.body),
  };
}

/** The route of each HTTP API route key this function serves (serverless.yml `documents.events`). */
const ROUTES: Readonly<Record<string, DocumentsRequest['route']>> = {
  'POST /tenants/{tenantId}/documents': 'create',
  'GET /tenants/{tenantId}/documents': 'list',
  'GET /tenants/{tenantId}/documents/{documentId}': 'get',
  'DELETE /tenants/{tenantId}/documents/{documentId}': 'delete',
  'POST /tenants/{tenantId}/documents/{documentId}/shares': 'share',
};

function toRequest(event: Event): DocumentsRequest | undefined {
  const route = ROUTES[event.routeKey ?? ''];
  const context = event.requestContext?.authorizer?.lambda;
  const pathTenantId = event.pathParameters?.tenantId;
  const documentId = event.pathParameters?.documentId ?? '';
  if (route === 'create') return { route, context, pathTenantId, body: bodyText(event) };
  if (route === 'share') return { route, context, pathTenantId, documentId, body: bodyText(event) };
  if (route === 'get' || route === 'delete') return { route, context, pathTenantId, documentId };
  if (route === 'list') return { route, context, pathTenantId, query: event.queryStringParameters ?? {} };
  return undefined;
}

function bodyText(event: Event): string {
  const raw = event.body ?? '';
  return event.isBase64Encoded === true ? Buffer.from(raw, 'base64').toString('utf8') : raw;
}
