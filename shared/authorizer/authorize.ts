import type { Tiers } from '../registry/tiers';
import { isRecord } from '../runtime/is-record';
import type { ReasonCode } from '../runtime/reason-codes';
import { buildPolicy, type PolicyDocument } from './authorization-policy';
import { bearerCandidate, parseBearerToken } from './bearer-token';
import { type AuthorizerContext, authorizerContext, type CallerIdentity } from './caller-identity';
import { CompiledRoutes, type RouteMatch } from './compiled-routes';
import { type Entitlement, EntitlementCache } from './entitlement-cache';
import { type MethodArn, parseMethodArn, resolvePathTemplate } from './method-arn';
import { isCanonicalPath, isCanonicalResource } from './request-path';
import { meetsGroups, type RouteRule, type RouteRules } from './route-rules';
import type { Admission, Standing } from './tenant-standing';
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

/** The authorizer's decision. */
export type Decision = Unauthorized | Verdict;

/** What `Authorizer` depends on; all of it is built once per container. */
export interface AuthorizerDependencies {
  readonly verifier: TokenVerifier;
  readonly routes: RouteRules;
  readonly tiers: Tiers;
  readonly tierApiKeys?: ReadonlyMap<string, string> | undefined;
  /**
   * The registry check of the caller's tenant (status, pool) and membership (removed, demoted); absent when
   * turned off. The groups it admits replace the token's in route rules and in the context.
   */
  readonly standing?: { check(caller: CallerIdentity): Admission | Promise<Admission> } | undefined;
  /** Entitlements kept (`EntitlementCache`); its default when absent. */
  readonly entitlementCacheSize?: number | undefined;
}

/**
 * The authorization decision, free of Lambda plumbing: a missing, malformed or invalid token (or one without
 * the tenant claims) is `Unauthorized`; a valid token gets a policy covering every route it may use, and the
 * request is allowed exactly when that policy covers it — tenant routes of another tenant, unmet group or tier
 * requirements and unknown routes are denied. Non-canonical paths (`request-path.ts`) are denied on every
 * route. With a tenant check, a tenant that is unknown, not active, or reached from another tenant's pool
 * is denied everything, and so is a caller without an active membership of it; a demoted member's route
 * rules, policy and context use the lower role (`granted-groups.ts`): entitlements are keyed on the groups
 * granted, never on the token's. A registry that cannot answer makes the request `Unauthorized`.
 */
export class Authorizer {
  readonly #routes: CompiledRoutes;
  readonly #entitlements: EntitlementCache;
  // The backend context of a memoized caller object, so a repeated token does not rebuild it.
  readonly #contexts = new WeakMap<CallerIdentity, AuthorizerContext>();

  constructor(private readonly deps: AuthorizerDependencies) {
    this.#routes = new CompiledRoutes(deps.routes);
    this.#entitlements = new EntitlementCache(this.#routes, deps.tiers, deps.entitlementCacheSize);
  }

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
    // Whether `caller` is the memoized object a repeated token brings back: only then are its entitlement and
    // context worth remembering per object.
    let remember = this.deps.verifier.memoizes;
    if (caller === undefined) {
      const token = parseBearerToken(request.authorization);
      if (token === undefined) return { effect: 'Unauthorized', reason: 'malformed-authorization-header' };
      const verification = await this.deps.verifier.verify(token);
      if (!('caller' in verification)) return { effect: 'Unauthorized', reason: verification.reason };
      caller = verification.caller;
    }

    // The registry's admission comes first: every policy below, the non-canonical denial's included, is built
    // from what the registry grants now, so none that API Gateway may cache carries a removed member's,
    // suspended tenant's or demoted admin's routes.
    if (this.deps.standing !== undefined) {
      let admission: Admission;
      try {
        const pending = this.deps.standing.check(caller);
        admission = pending instanceof Promise ? await pending : pending;
      } catch {
        return { effect: 'Unauthorized', reason: 'registry-unavailable' };
      }
      if (admission.standing !== 'active') {
        const entitlement = this.#entitlements.get(caller, arn.prefix, remember);
        return this.#deny(admission.standing, caller, entitlement, arn, true, remember);
      }
      // The registry grants less than the token says (a demotion since it was issued): decide, and tell the
      // backend, with what the registry grants; the entitlement is the one of the granted groups.
      // A copy per request: nothing to remember about it.
      if (admission.groups !== caller.groups) {
        caller = { ...caller, groups: admission.groups };
        remember = false;
      }
    }
    const entitlement = this.#entitlements.get(caller, arn.prefix, remember);
    if (!isCanonicalResource(arn.resource) || (request.path !== undefined && !isCanonical(request.path))) {
      return this.#deny('non-canonical-path', caller, entitlement, arn, false, remember);
    }
    const pathTenantId = isRecord(request.pathParameters) ? request.pathParameters.tenantId : undefined;
    if (pathTenantId !== undefined && pathTenantId !== caller.tenantId) {
      return this.#deny('tenant-mismatch', caller, entitlement, arn, false, remember);
    }
    const match = this.#routes.match(arn.resource);
    const permitted = match.rules.filter(
      (index) => entitlement.meets[index] === 1 && this.#routes.ownTenant(index, match, caller.tenantId),
    );
    if (permitted.length === 0) {
      return this.#deny(this.#denialReason(caller, match), caller, entitlement, arn, false, remember);
    }
    const policy = this.#entitlements.allowPolicy(entitlement, caller, arn.prefix, permitted);
    return this.#verdict('Allow', 'permitted', caller, policy, arn, remember);
  }

  /**
   * A denial; `denyAll` denies the whole stage (the tenant may use nothing now) instead of this request. Over the
   * policy budget there is no stage-wide Allow to keep, and the whole stage is denied as well.
   */
  #deny(
    reason: VerdictReason,
    caller: CallerIdentity,
    entitlement: Entitlement,
    arn: MethodArn,
    denyAll: boolean,
    remember: boolean,
  ): Verdict {
    const allow = denyAll || entitlement.policy === undefined ? [] : entitlement.allowResources;
    const policy = buildPolicy(arn, allow, false, entitlement.denyResources);
    return this.#verdict('Deny', reason, caller, policy, arn, remember);
  }

  #verdict(
    effect: 'Allow' | 'Deny',
    reason: VerdictReason,
    caller: CallerIdentity,
    policy: PolicyDocument,
    arn: MethodArn,
    remember: boolean,
  ): Verdict {
    return {
      effect,
      reason,
      caller,
      context: remember ? this.#context(caller) : authorizerContext(caller),
      policy,
      resource: arn.resource,
      usageIdentifierKey: this.deps.tierApiKeys?.get(caller.tier),
    };
  }

  /** The context of a memoized caller object, built once for it (only such an object comes back). */
  #context(caller: CallerIdentity): AuthorizerContext {
    const known = this.#contexts.get(caller);
    if (known !== undefined) return known;
    const context = authorizerContext(caller);
    this.#contexts.set(caller, context);
    return context;
  }

  /** Explains a denial for the logs, from the rules the request matched. */
  #denialReason(caller: CallerIdentity, match: RouteMatch): VerdictReason {
    const rules = this.deps.routes.rules;
    const own = match.rules.filter((index) => this.#routes.ownTenant(index, match, caller.tenantId));
    if (own.length > 0) {
      // Every matching rule failed on groups or tier; name the group when one failed on it.
      return own.some((index) => !meetsGroups(rules[index] as RouteRule, caller.groups))
        ? 'group-required'
        : 'tier-required';
    }
    return match.rules.length > 0 ? 'tenant-mismatch' : 'unknown-route';
  }
}

function isCanonical(path: unknown): boolean {
  return typeof path === 'string' && isCanonicalPath(path);
}
