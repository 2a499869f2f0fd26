import type { Tiers } from '../registry/tiers';
import { isRecord } from '../runtime/is-record';
import type { ReasonCode } from '../runtime/reason-codes';
import {
  buildPolicy,
  coversResource,
  type Permitted,
  type PolicyDocument,
  permittedResources,
  stageResources,
} from './authorization-policy';
import { bearerCandidate, parseBearerToken } from './bearer-token';
import { type AuthorizerContext, authorizerContext, type CallerIdentity } from './caller-identity';
import { type MethodArn, parseMethodArn, resolvePathTemplate } from './method-arn';
import { isCanonicalPath, isCanonicalResource } from './request-path';
import { meetsGroups, type RouteRules, ruleMatches } from './route-rules';
import type { Standing } from './tenant-standing';
import type { TokenVerifier } from './token-verifier';

/** What the authorizer looks at, whatever the event shape. Values are unvalidated input. */
export interface AuthorizationRequest {
  /** The `Authorization` header value (`Bearer <jwt>`). */
  readonly authorization: unknown;
  /** `methodArn` (REST) or `routeArn` (HTTP API). */
  readonly methodArn: unknown;
  /** The event's `pathParameters`, when it carries them (REQUEST and HTTP API events). */
  readonly pathParameters?: unknown;
  /** The request path as sent (`rawPath` of HTTP API events, `path` of REST REQUEST events), when present. */
  readonly path?: unknown;
}

/** Why a verified caller was denied, or `permitted`. */
export type VerdictReason = Extract<
  ReasonCode,
  | 'permitted'
  | 'tenant-mismatch'
  | 'group-required'
  | 'tier-required'
  | 'unknown-route'
  | 'non-canonical-path'
  | Exclude<Standing, 'active'>
>;

/** The token is missing, malformed or not valid for this API: API Gateway must answer 401. */
export interface Unauthorized {
  readonly effect: 'Unauthorized';
  readonly reason: ReasonCode;
}

/** A verified caller, allowed or denied (403) for this request, with the policy for every request of the token. */
export interface Verdict {
  readonly effect: 'Allow' | 'Deny';
  readonly reason: VerdictReason;
  readonly caller: CallerIdentity;
  readonly context: AuthorizerContext;
  readonly policy: PolicyDocument;
  /** The request's resource path (`GET/tenants/acme/me`), for logs. */
  readonly resource: string;
  /** The caller tier's API key, when per-tier keys are configured. */
  readonly usageIdentifierKey: string | undefined;
}

interface Derived {
  /** Resource paths relative to the stage (`GET/tenants/acme/me`). */
  readonly permitted: Permitted;
  /** The stage prefix `allowResources` and `denyResources` were built for. */
  readonly prefix: string;
  readonly allowResources: readonly string[];
  readonly denyResources: readonly string[];
  readonly context: AuthorizerContext;
}

/** The authorizer's decision. */
export type Decision = Unauthorized | Verdict;

/** What `Authorizer` depends on; all of it is built once per container. */
export interface AuthorizerDependencies {
  readonly verifier: TokenVerifier;
  readonly routes: RouteRules;
  readonly tiers: Tiers;
  readonly tierApiKeys?: ReadonlyMap<string, string> | undefined;
  /** The registry check of the caller's tenant (status, pool); absent when turned off. */
  readonly standing?: { check(caller: CallerIdentity): Standing | Promise<Standing> } | undefined;
}

/**
 * The authorization decision, free of Lambda plumbing: a missing, malformed or invalid token (or one without
 * the tenant claims) is `Unauthorized`; a valid token gets a policy covering every route it may use, and the
 * request is allowed exactly when that policy covers it — tenant routes of another tenant, unmet group or tier
 * requirements and unknown routes are denied. Non-canonical paths (`request-path.ts`) are denied on every
 * route. With a tenant check, a tenant that is unknown, not active, or reached from another tenant's pool
 * is denied everything; a registry that cannot answer makes the request `Unauthorized`.
 */
export class Authorizer {
  readonly #derived = new WeakMap<CallerIdentity, Derived>();

  constructor(private readonly deps: AuthorizerDependencies) {}

  /** Decides one request. Never throws: an unexpected failure is `Unauthorized` with reason `internal-error`. */
  async authorize(request: AuthorizationRequest): Promise<Decision> {
    try {
      return await this.#decide(request);
    } catch {
      return { effect: 'Unauthorized', reason: 'internal-error' };
    }
  }

  async #decide(request: AuthorizationRequest): Promise<Decision> {
    const parsed = parseMethodArn(request.methodArn);
    if (parsed === undefined) return { effect: 'Unauthorized', reason: 'malformed-method-arn' };
    const arn = resolvePathTemplate(parsed, request.pathParameters);
    // A token already verified in this container is served from the memo before the full header check: it
    // passed that check when it was memoized, and `Bearer ` plus that exact string is the same header.
    const candidate = bearerCandidate(request.authorization);
    let caller = candidate === undefined ? undefined : this.deps.verifier.memoized(candidate);
    if (caller === undefined) {
      const token = parseBearerToken(request.authorization);
      if (token === undefined) return { effect: 'Unauthorized', reason: 'malformed-authorization-header' };
      const verification = await this.deps.verifier.verify(token);
      if (!('caller' in verification)) return { effect: 'Unauthorized', reason: verification.reason };
      caller = verification.caller;
    }

    const derived = this.#derive(caller, arn.prefix);
    if (!isCanonicalResource(arn.resource) || (request.path !== undefined && !isCanonical(request.path))) {
      return this.#verdict('Deny', 'non-canonical-path', caller, derived, arn, false);
    }
    if (this.deps.standing !== undefined) {
      let standing: Standing;
      try {
        const pending = this.deps.standing.check(caller);
        standing = pending instanceof Promise ? await pending : pending;
      } catch {
        return { effect: 'Unauthorized', reason: 'registry-unavailable' };
      }
      if (standing !== 'active') return this.#verdict('Deny', standing, caller, derived, arn, true);
    }
    const pathTenantId = isRecord(request.pathParameters) ? request.pathParameters.tenantId : undefined;
    const pathTenantMatches = pathTenantId === undefined || pathTenantId === caller.tenantId;
    const allowed = pathTenantMatches && coversResource(derived.permitted, arn.resource);
    const reason = allowed ? 'permitted' : pathTenantMatches ? this.#denialReason(caller, arn) : 'tenant-mismatch';
    return this.#verdict(allowed ? 'Allow' : 'Deny', reason, caller, derived, arn, false);
  }

  /** A verdict; `denyAll` denies the whole stage (the tenant may use nothing now) instead of this request. */
  #verdict(
    effect: 'Allow' | 'Deny',
    reason: VerdictReason,
    caller: CallerIdentity,
    derived: Derived,
    arn: MethodArn,
    denyAll: boolean,
  ): Verdict {
    return {
      effect,
      reason,
      caller,
      context: derived.context,
      policy: buildPolicy(arn, denyAll ? [] : derived.allowResources, effect === 'Allow', derived.denyResources),
      resource: arn.resource,
      usageIdentifierKey: this.deps.tierApiKeys?.get(caller.tier),
    };
  }

  /**
   * What follows from the caller alone (permitted routes, context, policy resources under the API stage),
   * kept per memoized caller object so a repeated token does not rebuild it.
   */
  #derive(caller: CallerIdentity, prefix: string): Derived {
    const known = this.#derived.get(caller);
    if (known !== undefined && known.prefix === prefix) return known;
    const permitted = known?.permitted ?? permittedResources(this.deps.routes, caller, this.deps.tiers);
    const derived: Derived = {
      permitted,
      prefix,
      allowResources: stageResources(prefix, permitted.allow),
      denyResources: stageResources(prefix, permitted.deny),
      context: known?.context ?? authorizerContext(caller),
    };
    // Only a memoized caller object comes back; remembering fresh ones would only feed the garbage collector.
    if (this.deps.verifier.memoizes) this.#derived.set(caller, derived);
    return derived;
  }

  /** Explains a denial for the logs; only computed on the (rarer) deny path. */
  #denialReason(caller: CallerIdentity, arn: MethodArn): VerdictReason {
    const own = this.deps.routes.rules.filter((rule) => ruleMatches(rule, arn.resource, caller.tenantId));
    if (own.length > 0) {
      // Every matching rule failed on groups or tier; name the group when one failed on it.
      return own.some((rule) => !meetsGroups(rule, caller.groups)) ? 'group-required' : 'tier-required';
    }
    const anyTenant = this.deps.routes.rules.some((rule) => rule.tenantScoped && ruleMatches(rule, arn.resource, '*'));
    return anyTenant ? 'tenant-mismatch' : 'unknown-route';
  }
}

function isCanonical(path: unknown): boolean {
  return typeof path === 'string' && isCanonicalPath(path);
}
