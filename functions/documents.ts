/**
 * The sample documents service behind the authorizer (HTTP API payload 2.0):
 * `POST /tenants/{tenantId}/documents`, `GET /tenants/{tenantId}/documents` and
 * `GET /tenants/{tenantId}/documents/{documentId}`. The tenant comes from the authorizer context only; every
 * data call runs with tenant-scoped credentials (README "Tenant-scoped credentials").
 */
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { credentialSource } from '../shared/credentials/credential-source';
import { TenantClients } from '../shared/credentials/tenant-clients';
import { tenantMembersDecide } from '../shared/documents/document-decision';
import { DocumentStore } from '../shared/documents/document-store';
import { documentsConfigFromEnv } from '../shared/documents/documents-config';
import { type DocumentsRequest, type DocumentsResponse, DocumentsService } from '../shared/documents/documents-service';
import { DecisionMetrics } from '../shared/runtime/decision-metrics';
import { TRIGGER_CLIENT_LIMITS } from '../shared/runtime/dynamodb-client';
import { logger } from '../shared/runtime/logger';

type Event = APIGatewayProxyEventV2WithLambdaAuthorizer<Record<string, unknown>>;

// Cold start: configuration validated once; clients and credentials cached per tenant across invocations.
const config = documentsConfigFromEnv(process.env);
const source = credentialSource(
  config.credentials,
  process.env,
  TRIGGER_CLIENT_LIMITS,
  process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'documents',
  // Counts the credentials STS issues (README "Metrics"); no tier: credentials are per tenant, not per tier.
  new DecisionMetrics({ service: 'documents', tiers: [] }),
);
const clients = new TenantClients({
  source,
  cacheSize: config.credentials.cacheSize,
  limits: TRIGGER_CLIENT_LIMITS,
  s3ForcePathStyle: config.credentials.mode === 'static-local',
});
const service = new DocumentsService({
  store: new DocumentStore({ clients, tableName: config.tableName, bucketName: config.bucketName }),
  decide: tenantMembersDecide,
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
};

function toRequest(event: Event): DocumentsRequest | undefined {
  const route = ROUTES[event.routeKey ?? ''];
  const context = event.requestContext?.authorizer?.lambda;
  if (route === 'create') {
    const raw = event.body ?? '';
    const body = event.isBase64Encoded === true ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    return { route, context, body };
  }
  if (route === 'get') return { route, context, documentId: event.pathParameters?.documentId ?? '' };
  if (route === 'list') return { route, context, query: event.queryStringParameters ?? {} };
  return undefined;
}
