/**
 * API Gateway Lambda authorizer: REST `TOKEN`, REST `REQUEST` (and HTTP API payload 1.0, which has the same
 * shape) and HTTP API payload 2.0 events. Verifies the Cognito JWT and confines the caller to its tenant.
 *
 * - invalid/missing token → throws `Unauthorized` (401 on REST and HTTP APIs);
 * - valid token, route not permitted → Deny policy, or `{isAuthorized: false}` with simple responses (403);
 * - valid token of a tenant that is unknown, not active, or reached from another tenant's pool, or of a caller
 *   without an active membership of it (registry reads, cached like pre token generation's; on unless
 *   `TENANCY_API_TENANT_CHECK=false`) → Deny of the whole stage; a demoted member is judged with the lower role;
 *   registry unavailable with nothing cached → `Unauthorized`;
 * - otherwise an Allow policy covering every route the token may use (safe under the authorizer cache), or
 *   `{isAuthorized: true, context}`. A cached *simple* response applies to every route with the same identity
 *   source: with `TENANCY_SIMPLE_RESPONSES=true`, put the route (`$context.routeKey`) in the identity source or
 *   turn the authorizer cache off.
 */

import type { PolicyDocument } from '../shared/authorizer/authorization-policy';
import type { AuthorizationRequest, Verdict } from '../shared/authorizer/authorize';
import { Authorizer } from '../shared/authorizer/authorize';
import { authorizerConfigFromEnv } from '../shared/authorizer/authorizer-config';
import type { AuthorizerContext } from '../shared/authorizer/caller-identity';
import { TenantStanding } from '../shared/authorizer/tenant-standing';
import { createCognitoJwtVerifier, TokenVerifier } from '../shared/authorizer/token-verifier';
import { registryConfigFromEnv } from '../shared/registry/registry-config';
import { TenantRegistry } from '../shared/registry/tenant-registry';
import { DecisionMetrics } from '../shared/runtime/decision-metrics';
import { createDynamoDBClient } from '../shared/runtime/dynamodb-client';
import { logger } from '../shared/runtime/logger';

/** An IAM-policy answer (REST, and HTTP API without simple responses). */
export interface PolicyResponse {
  readonly principalId: string;
  readonly policyDocument: PolicyDocument;
  readonly context: AuthorizerContext;
  readonly usageIdentifierKey?: string;
}

/** An HTTP API simple answer. */
export interface SimpleResponse {
  readonly isAuthorized: boolean;
  readonly context?: AuthorizerContext;
}

type Shape = 'token' | 'request' | 'http';

// Cold start: a configuration problem stops the function here, before any request is answered.
const config = authorizerConfigFromEnv(process.env);
const jwtVerifier = createCognitoJwtVerifier(config);
// Fetch the keys now rather than on the first request; a failure is retried on demand by the verifier.
jwtVerifier.hydrate().catch((error: unknown) => {
  logger.warn('JWKS hydration failed; keys will be fetched on first use', { reason: errorSummary(error) });
});
const metrics = new DecisionMetrics({ service: 'authorizer', tiers: config.tiers.names });
const authorizer = new Authorizer({
  verifier: new TokenVerifier(jwtVerifier, config.claimNames, config.memoSize, config.roleGroups),
  routes: config.routes,
  tiers: config.tiers,
  tierApiKeys: config.tierApiKeys,
  standing: config.tenantCheck ? tenantStanding() : undefined,
});

/**
 * The registry check of callers' tenants; GetItem reads only (the endpoint from the SDK's configuration).
 * Imported statically although `apiTenantCheck=false` does not use it: the check is on by default, and loading
 * the registry with `import()` split it (and the DynamoDB client) into a dozen chunks read one by one at cold
 * start, ~9 ms slower than one bundle. With the check off, the client module loads but is never constructed.
 */
function tenantStanding(): TenantStanding {
  const { tableName, tiers } = registryConfigFromEnv(process.env);
  const reads = new TenantRegistry({ client: createDynamoDBClient(), tableName, tiers });
  return new TenantStanding({
    reads,
    memberships: { reads, roleGroups: config.roleGroups },
    userPoolIds: config.userPoolIds,
    cacheTtlMs: config.cacheTtlMs,
    staleTtlMs: config.staleTtlMs,
    onStale: (what, error) =>
      logger.warn(`tenant registry unavailable; serving a cached ${what}`, { reason: errorSummary(error) }),
  });
}

/** The Lambda handler. Throws exactly `Error('Unauthorized')` or returns a response; never anything else. */
export async function handler(event: unknown): Promise<PolicyResponse | SimpleResponse> {
  let response: PolicyResponse | SimpleResponse | undefined;
  try {
    logger.resetKeys();
    response = await answer(event);
  } catch (error) {
    metrics.record('unauthorized', 'internal-error');
    logger.error('authorizer failed; answering Unauthorized', {
      outcome: 'unauthorized',
      reason: 'internal-error',
      error: errorSummary(error),
    });
  }
  if (response === undefined) throw new Error('Unauthorized');
  return response;
}

async function answer(event: unknown): Promise<PolicyResponse | SimpleResponse | undefined> {
  const read = readEvent(event);
  if (read === undefined) {
    metrics.record('unauthorized', 'unsupported-event');
    logger.info('request refused', { outcome: 'unauthorized', reason: 'unsupported-event' });
    return undefined;
  }
  const decision = await authorizer.authorize(read.request);
  if (decision.effect === 'Unauthorized') {
    metrics.record('unauthorized', decision.reason);
    logger.info('request refused', { outcome: 'unauthorized', reason: decision.reason });
    return undefined;
  }
  const outcome = decision.effect === 'Allow' ? 'allowed' : 'denied';
  metrics.record(outcome, decision.reason, decision.caller.tier);
  // Every API call is an allow: the metric counts them, the log has them at DEBUG only.
  (decision.effect === 'Deny' ? logger.info : logger.debug).call(logger, `request ${outcome}`, {
    outcome,
    reason: decision.reason,
    tenantId: decision.caller.tenantId,
    sub: decision.caller.sub,
    tier: decision.caller.tier,
    resource: decision.resource,
  });
  return shapeResponse(read.shape, decision);
}

function shapeResponse(shape: Shape, decision: Verdict): PolicyResponse | SimpleResponse {
  if (shape === 'http' && config.simpleResponses) {
    return decision.effect === 'Allow' ? { isAuthorized: true, context: decision.context } : { isAuthorized: false };
  }
  const response: PolicyResponse = {
    principalId: decision.caller.sub,
    policyDocument: decision.policy,
    context: decision.context,
  };
  // Usage plans (and so API keys) exist for REST APIs only.
  if (shape !== 'http' && decision.usageIdentifierKey !== undefined) {
    return { ...response, usageIdentifierKey: decision.usageIdentifierKey };
  }
  return response;
}

/** Recognises the three event shapes; `undefined` for anything else. */
function readEvent(event: unknown): { shape: Shape; request: AuthorizationRequest } | undefined {
  if (!isRecord(event)) return undefined;
  if (event.type === 'TOKEN') {
    return { shape: 'token', request: { authorization: event.authorizationToken, methodArn: event.methodArn } };
  }
  if (event.type !== 'REQUEST') return undefined;
  if (event.version === '2.0') {
    return {
      shape: 'http',
      request: {
        authorization: headerValue(event.headers),
        methodArn: event.routeArn,
        pathParameters: event.pathParameters,
        path: event.rawPath,
      },
    };
  }
  return {
    shape: 'request',
    request: {
      authorization: headerValue(event.headers, event.multiValueHeaders),
      methodArn: event.methodArn,
      pathParameters: event.pathParameters,
      path: event.path,
    },
  };
}

/**
 * The `Authorization` header, looked up without regard to case (API Gateway lowercases HTTP API headers,
 * serverless-offline keeps them as sent). Several values — two differently-cased headers, or a repeated
 * header in `multiValueHeaders` — make the request malformed rather than picking one.
 */
function headerValue(headers: unknown, multiValueHeaders?: unknown): unknown {
  const values: unknown[] = [];
  if (isRecord(headers)) {
    for (const [name, value] of Object.entries(headers)) {
      if (name.toLowerCase() === 'authorization' && value !== undefined && value !== null) values.push(value);
    }
  }
  if (isRecord(multiValueHeaders)) {
    for (const [name, value] of Object.entries(multiValueHeaders)) {
      if (name.toLowerCase() === 'authorization' && Array.isArray(value) && value.length > 1) return undefined;
    }
  }
  return values.length === 1 ? values[0] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Error class and message for the logs; authorizer errors never carry the token. */
function errorSummary(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return typeof error;
}
