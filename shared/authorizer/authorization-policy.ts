import { hasArnWildcard, matchesArnPattern } from './arn-pattern';
import type { MethodArn } from './method-arn';
import { NON_CANONICAL_RESOURCES } from './request-path';

/** An IAM policy document as API Gateway expects it from an authorizer. */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/** One statement of an authorizer policy. */
export interface PolicyStatement {
  readonly Action: 'execute-api:Invoke';
  readonly Effect: 'Allow' | 'Deny';
  readonly Resource: readonly string[];
}

/** The parts of a verified caller that route rules look at: its tenant, tier and the groups it was granted. */
export interface EntitlementParts {
  readonly tenantId: string;
  readonly tier: string;
  readonly groups: readonly string[];
}

/**
 * The largest authorizer policy document returned, in bytes of its JSON: API Gateway documents an 8 KB
 * "Lambda authorizer result size" quota, not adjustable, for WebSocket APIs
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html);
 * the REST and HTTP API quota pages state no such figure. The policy is kept within the documented one, with
 * 2 KiB left for `principalId`, the context and `usageIdentifierKey`, so the whole result stays under 8 KB on
 * any API type. A stage-wide Allow that would be larger is replaced by one for the request's own routes.
 */
export const POLICY_BYTE_BUDGET = 6144;

/**
 * The authorizer policy for a verified caller: Allow on every permitted route of this API stage
 * (`allowResources`: full ARNs, the stage prefix of `arn` plus each permitted resource path), so that API
 * Gateway's authorizer cache — which reuses this policy for every request carrying the same token — gives
 * each later request the answer a fresh call would give. When the current request is not covered, its exact
 * ARN is also denied explicitly: it is not something the token may use, so caching that denial takes nothing
 * legitimate away. An ARN holding IAM wildcard characters is never put in a Deny (it would deny more than
 * itself); with nothing permitted at all, the whole stage is denied. Every Allow comes with a Deny of the
 * non-canonical paths (`NON_CANONICAL_RESOURCES`): the Allow's wildcards match across `/`, and a cached policy
 * must not let `…/tenants/acme/admin/../../globex/me` through — and with `denyResources` (full ARNs of the
 * permitted routes' parameter spans), which keep each `{param}` to one segment.
 */
export function buildPolicy(
  arn: MethodArn,
  allowResources: readonly string[],
  allowed: boolean,
  denyResources: readonly string[] = [],
): PolicyDocument {
  if (allowed || allowResources.length === 0 || hasArnWildcard(arn.resource)) {
    return stagePolicy(arn.prefix, allowResources, denyResources);
  }
  const denied = [...nonCanonicalResources(arn.prefix), ...denyResources, arn.value];
  return document([statement('Allow', allowResources), statement('Deny', denied)]);
}

/**
 * The policy for a stage that does not depend on the request: Allow `allowResources` with the canonical-path
 * Denies and `denyResources`, or — with nothing allowed — Deny of the whole stage.
 */
export function stagePolicy(
  prefix: string,
  allowResources: readonly string[],
  denyResources: readonly string[] = [],
): PolicyDocument {
  if (allowResources.length === 0) return document([statement('Deny', [`${prefix}*`])]);
  const denied = [...nonCanonicalResources(prefix), ...denyResources];
  return document([statement('Allow', allowResources), statement('Deny', denied)]);
}

// One API stage prefix per authorizer in practice: its non-canonical patterns are built once and shared.
let lastPrefix = '';
let lastNonCanonical: readonly string[] = [];

/**
 * The Deny patterns of the canonical-path rule for one stage. Only the trailing-slash pattern keeps the stage
 * prefix (without it, `*\/*\/` would also deny the root path `GET/`); the others are written without it, which
 * saves some 60 bytes each (about 3.8 KB a policy): a parsed method ARN's prefix holds no refused character and
 * no `.`, `..` or empty segment (`parseMethodArn`), so on this stage's ARNs each matches exactly where its
 * prefixed form does, and on any other ARN a Deny only takes away.
 */
function nonCanonicalResources(prefix: string): readonly string[] {
  if (prefix !== lastPrefix) {
    lastNonCanonical = Object.freeze(
      NON_CANONICAL_RESOURCES.map((pattern) => (pattern === TRAILING_SLASH ? prefix + pattern : pattern)),
    );
    lastPrefix = prefix;
  }
  return lastNonCanonical;
}

const TRAILING_SLASH = '*/*/';

/** The size API Gateway receives a policy document at: bytes of its JSON (UTF-8). */
export function policyBytes(policy: PolicyDocument): number {
  return Buffer.byteLength(JSON.stringify(policy));
}

/** The full ARNs of permitted resource paths under a stage prefix (`arn:…:apiId/stage/`). */
export function stageResources(prefix: string, permitted: readonly string[]): string[] {
  return permitted.map((resource) => prefix + resource);
}

/** How API Gateway judges a request ARN against a policy: an explicit Deny wins, then any Allow, else deny. */
export function policyEffect(policy: PolicyDocument, arn: string): 'Allow' | 'Deny' {
  const matching = (effect: 'Allow' | 'Deny') =>
    policy.Statement.some(
      (entry) => entry.Effect === effect && entry.Resource.some((pattern) => matchesArnPattern(pattern, arn)),
    );
  if (matching('Deny')) return 'Deny';
  return matching('Allow') ? 'Allow' : 'Deny';
}

function document(statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

function statement(effect: 'Allow' | 'Deny', resources: readonly string[]): PolicyStatement {
  return { Action: 'execute-api:Invoke', Effect: effect, Resource: resources };
}
