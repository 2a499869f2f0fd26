import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import type { DocumentsRequest } from './documents-service';

/** The HTTP API payload 2.0 event the documents function receives, behind the Lambda authorizer. */
export type DocumentsEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<Record<string, unknown>>;

/** The route of each HTTP API route key this function serves (serverless.yml `documents.events`). */
const ROUTES: Readonly<Record<string, DocumentsRequest['route']>> = {
  'POST /tenants/{tenantId}/documents': 'create',
  'GET /tenants/{tenantId}/documents': 'list',
  'GET /tenants/{tenantId}/documents/{documentId}': 'get',
  'DELETE /tenants/{tenantId}/documents/{documentId}': 'delete',
  'POST /tenants/{tenantId}/documents/{documentId}/shares': 'share',
};

/**
 * The request of a documents event: its route (from the route key), the authorizer context, the path tenant and
 * document, the body (decoded when base64) or query; `undefined` for a route key this function does not serve.
 * Nothing is validated here: `DocumentsService.handle` checks every value.
 */
export function documentsRequestOf(event: DocumentsEvent): DocumentsRequest | undefined {
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

function bodyText(event: DocumentsEvent): string {
  const raw = event.body ?? '';
  return event.isBase64Encoded === true ? Buffer.from(raw, 'base64').toString('utf8') : raw;
}
