import { type TenantContext, TenantContextError, tenantContext } from '@cognito-tenancy/tenant-context';
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
 * The request of a documents event: its route (from the route key), the verified caller (read by
 * `tenantContext(event)` of @cognito-tenancy/tenant-context, or why the event carries none), the path tenant and
 * document, the body (decoded when base64) or query; `undefined` for a route key this function does not serve.
 * Nothing else is validated here: `DocumentsService.handle` checks every value and refuses a missing caller.
 */
export function documentsRequestOf(event: DocumentsEvent): DocumentsRequest | undefined {
  const route = ROUTES[event.routeKey ?? ''];
  if (route === undefined) return undefined;
  const context = callerOf(event);
  const pathTenantId = event.pathParameters?.tenantId;
  const documentId = event.pathParameters?.documentId ?? '';
  if (route === 'create') return { route, caller: context, pathTenantId, body: bodyText(event) };
  if (route === 'share') return { route, caller: context, pathTenantId, documentId, body: bodyText(event) };
  if (route === 'get' || route === 'delete') return { route, caller: context, pathTenantId, documentId };
  return { route, caller: context, pathTenantId, query: event.queryStringParameters ?? {} };
}

/** The caller of the event, or the refusal that says why it has none (answered 403 by the service). */
function callerOf(event: DocumentsEvent): TenantContext | TenantContextError {
  try {
    return tenantContext(event);
  } catch (error) {
    if (error instanceof TenantContextError) return error;
    throw error;
  }
}

function bodyText(event: DocumentsEvent): string {
  const raw = event.body ?? '';
  return event.isBase64Encoded === true ? Buffer.from(raw, 'base64').toString('utf8') : raw;
}
