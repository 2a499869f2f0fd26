import type { Tiers } from '../registry/tiers';
import { hasArnWildcard, matchesArnPattern } from './arn-pattern';
import type { MethodArn } from './method-arn';
import { NON_CANONICAL_RESOURCES } from './request-path';
import { callerMeetsRule, type RouteRules, ruleResources, ruleSpans } from './route-rules';

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

/** The parts of a verified caller that route rules look at. */
export interface Entitlement {
  readonly tenantId: string;
  readonly tier: string;
  readonly groups: readonly string[];
}

/** Resource paths relative to the API stage (`GET/tenants/acme/me`): what a caller may use, and what not. */
export interface Permitted {
  /** The resources of every route the caller may use (IAM patterns). */
  readonly allow: readonly string[];
  /** Where a `{param}` of one of those routes would span a `/` (`ruleSpans`); denied. */
  readonly deny: readonly string[];
}

/**
 * Every resource path (relative to the API stage, e.g. `GET/tenants/acme/me`) this caller may use: the
 * tenant routes of its own tenant and the shared routes whose group and tier requirements it meets, with the
 * paths where one of their parameters would span segments. It depends only on the token, never on the
 * request, which is what keeps a cached policy correct.
 */
export function permittedResources(rules: RouteRules, caller: Entitlement, tiers: Tiers): Permitted {
  const allow: string[] = [];
  const deny: string[] = [];
  for (const rule of rules.rules) {
    if (!callerMeetsRule(rule, caller, tiers)) continue;
    allow.push(...ruleResources(rule, caller.tenantId));
    deny.push(...ruleSpans(rule, caller.tenantId));
  }
  return { allow, deny };
}

/**
 * Whether the permitted resources cover the request's resource the way the policy does (IAM matching): an
 * allowed pattern matches and no denied one does.
 */
export function coversResource(permitted: Permitted, resource: string): boolean {
  for (const pattern of permitted.deny) if (matchesArnPattern(pattern, resource)) return false;
  for (const pattern of permitted.allow) if (matchesArnPattern(pattern, resource)) return true;
  return false;
}

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
  if (allowResources.length === 0) return document([statement('Deny', [`${arn.prefix}*`])]);
  const denied = [...nonCanonicalResources(arn.prefix), ...denyResources];
  if (!allowed && !hasArnWildcard(arn.resource)) denied.push(arn.value);
  return document([statement('Allow', allowResources), statement('Deny', denied)]);
}

// One API stage prefix per authorizer in practice: its non-canonical patterns are built once and shared.
let lastPrefix = '';
let lastNonCanonical: readonly string[] = [];

function nonCanonicalResources(prefix: string): readonly string[] {
  if (prefix !== lastPrefix) {
    lastNonCanonical = Object.freeze(NON_CANONICAL_RESOURCES.map((pattern) => prefix + pattern));
    lastPrefix = prefix;
  }
  return lastNonCanonical;
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
