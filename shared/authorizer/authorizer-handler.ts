import type { DecisionLine, DecisionMetrics } from '../runtime/decision-metrics';
import { ConfigurationError } from '../runtime/errors';
import type { HandlerLogger } from '../runtime/handler-logger';
import type { PolicyDocument } from './authorization-policy';
import { Authorizer, type Verdict } from './authorize';
import type { AuthorizerConfig } from './authorizer-config';
import { type AuthorizerEventShape, readAuthorizerEvent } from './authorizer-event';
import type { AuthorizerContext } from './caller-identity';
import { type MembershipReads, type TenantReads, TenantStanding } from './tenant-standing';
import { type JwtVerifier, TokenVerifier } from './token-verifier';

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

/** The Lambda authorizer: throws exactly `Error('Unauthorized')` or returns a response; never anything else. */
export type AuthorizerHandler = (event: unknown) => Promise<PolicyResponse | SimpleResponse>;

/** Dependencies of the authorizer; `functions/authorizer.ts` builds them at cold start. */
export interface AuthorizerHandlerDeps {
  readonly config: AuthorizerConfig;
  /** aws-jwt-verify's verifier over the configured pools (`createCognitoJwtVerifier`); hydrated here. */
  readonly jwtVerifier: JwtVerifier;
  /**
   * The registry reads of the tenant and membership checks (`TenantRegistry`), which pin tokens to their pool and
   * confine callers to their memberships: required.
   */
  readonly tenants: (TenantReads & MembershipReads) | undefined;
  readonly logger: HandlerLogger;
  /** Counts each decision and writes its log line, in one line (`DecisionMetrics`). */
  readonly metrics: Pick<DecisionMetrics, 'record'>;
  /** Clock in milliseconds: the token memo and the tenant cache; replaceable in tests. */
  readonly now?: () => number;
}

/**
 * Creates the API Gateway Lambda authorizer for REST `TOKEN`, REST `REQUEST` (and HTTP API payload 1.0) and
 * HTTP API payload 2.0 events. It verifies the Cognito JWT and confines the caller to its tenant
 * (ARCHITECTURE.md "Authorizer contract"):
 *
 * - invalid/missing token, or an event of another shape → throws `Unauthorized` (401 on REST and HTTP APIs);
 * - valid token, route not permitted → Deny policy, or `{isAuthorized: false}` with simple responses (403);
 * - valid token of a tenant that is unknown, not active, or reached from another tenant's pool, or of a caller
 *   without an active membership of it (registry reads, cached like pre token generation's; always on: it pins
 *   tokens to their pool) → Deny of the whole stage; a demoted member is judged with the lower of the token's
 *   and the registry's role (docs/memberships.md); registry unavailable with nothing cached → `Unauthorized`;
 * - otherwise an Allow policy covering every route the token may use (safe under the authorizer cache), or
 *   `{isAuthorized: true, context}`. A cached *simple* response applies to every route with the same identity
 *   source: with `TENANCY_SIMPLE_RESPONSES=true`, put the route (`$context.routeKey`) in the identity source or
 *   turn the authorizer cache off.
 *
 * Any failure, expected or not, is `Unauthorized` (never a 500); the reason goes to the log and the metric.
 */
export function createAuthorizerHandler(deps: AuthorizerHandlerDeps): AuthorizerHandler {
  const { config, logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const tenants = deps.tenants;
  if (tenants === undefined) {
    throw new ConfigurationError(
      'no registry reads were given: the tenant check pins tokens to their pool and is always on',
      'TENANCY_API_TENANT_CHECK',
    );
  }
  // Fetch the keys now rather than on the first request; a failure is retried on demand by the verifier.
  deps.jwtVerifier.hydrate().catch((error: unknown) => {
    logger.warn('JWKS hydration failed; keys will be fetched on first use', { reason: errorSummary(error) });
  });
  const standing = new TenantStanding({
    reads: tenants,
    memberships: { reads: tenants, roleGroups: config.roleGroups },
    cacheTtlMs: config.cacheTtlMs,
    staleTtlMs: config.staleTtlMs,
    now,
    onStale: (what, error) =>
      logger.warn(`tenant registry unavailable; serving a cached ${what}`, { reason: errorSummary(error) }),
  });
  const authorizer = new Authorizer({
    verifier: new TokenVerifier(deps.jwtVerifier, config.claimNames, config.memoSize, config.roleGroups, now),
    routes: config.routes,
    tiers: config.tiers,
    tierApiKeys: config.tierApiKeys,
    standing,
  });

  const shapeResponse = (shape: AuthorizerEventShape, decision: Verdict): PolicyResponse | SimpleResponse => {
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
  };

  const answer = async (event: unknown): Promise<PolicyResponse | SimpleResponse | undefined> => {
    const read = readAuthorizerEvent(event);
    if (read === undefined) {
      metrics.record('unauthorized', 'unsupported-event', undefined, REFUSED);
      return undefined;
    }
    const decision = await authorizer.authorize(read.request);
    if (decision.effect === 'Unauthorized') {
      metrics.record('unauthorized', decision.reason, undefined, REFUSED);
      return undefined;
    }
    const outcome = decision.effect === 'Allow' ? 'allowed' : 'denied';
    // One line: the count and the log. Every API call is an allow: its line is a log line at DEBUG only.
    metrics.record(outcome, decision.reason, decision.caller.tier, {
      level: decision.effect === 'Deny' ? 'INFO' : 'DEBUG',
      message: `request ${outcome}`,
      fields: { tenantId: decision.caller.tenantId, sub: decision.caller.sub, resource: decision.resource },
    });
    return shapeResponse(read.shape, decision);
  };

  return async (event) => {
    let response: PolicyResponse | SimpleResponse | undefined;
    try {
      // No `logger.resetKeys()` here, unlike the other handlers: the authorizer never appends keys, and the call
      // costs Powertools' attribute-store work on every request.
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
  };
}

/** The log half of an `Unauthorized` decision line. */
const REFUSED: DecisionLine = { level: 'INFO', message: 'request refused' };

/** Error class and message for the logs; authorizer errors never carry the token. */
function errorSummary(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return typeof error;
}
