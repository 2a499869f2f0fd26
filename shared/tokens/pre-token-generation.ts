import { TENANT_ID_ATTRIBUTE } from '../cognito/tenant-id-attribute';
import { type Binding, makeBinding } from '../registry/binding';
import { pinnedToPool } from '../registry/pool-pinning';
import { isActiveMembership, type Membership, type Tenant } from '../registry/tenant';
import { isValidTenantId } from '../registry/tenant-id';
import { type DecisionLine, type DecisionMetrics, loggedDecisions } from '../runtime/decision-metrics';
import {
  BindingNotFoundError,
  InvalidInputError,
  MembershipMismatchError,
  MembershipNotFoundError,
  PoolMismatchError,
  TenantInactiveError,
  TenantNotAssignedError,
  TenantNotFoundError,
} from '../runtime/errors';
import type { HandlerLogger } from '../runtime/handler-logger';
import { type CacheOutcome, ReadThroughCache } from '../runtime/read-through-cache';
import { triggerRefusal } from '../runtime/trigger-refusal';
import { createClaimShaper, type PreTokenResponse } from './claims';
import type { PreTokenConfig } from './pre-token-config';
import { type PreTokenGenerationEvent, parseTokenRequest, stringAttribute } from './pre-token-event';

/** The registry reads the trigger makes; `RegistryReader` provides them. */
export interface PreTokenRegistryReads {
  getTenant(tenantId: string): Promise<Tenant | undefined>;
  getMembership(tenantId: string, sub: string): Promise<Membership | undefined>;
  resolveBinding(binding: Binding): Promise<string | undefined>;
}

/** The logger methods the trigger uses (`JsonLogger` in production). */
export type TriggerLogger = HandlerLogger;

/** Dependencies of the trigger; the Lambda entry point builds them from the environment at cold start. */
export interface PreTokenGenerationDeps {
  readonly registry: PreTokenRegistryReads;
  readonly config: PreTokenConfig;
  readonly logger: TriggerLogger;
  /**
   * Counts each token decision (docs/observability.md "Metrics") and writes its log line, in one line; without it nothing is
   * counted and the line goes to `logger`.
   */
  readonly metrics?: Pick<DecisionMetrics, 'record'>;
  /** Clock in milliseconds for the caches, replaceable in tests. */
  readonly now?: () => number;
}

/**
 * The event as returned to Cognito: unchanged but for `response`, whose type is this suite's own (the
 * `@types/aws-lambda` response types only allow string claim values; V2/V3 allow arrays and objects too).
 */
export type PreTokenResult = Omit<PreTokenGenerationEvent, 'response'> & { readonly response: PreTokenResponse };

/**
 * A pre token generation handler: the event in, the event with its override details out, or a throw. It takes
 * `unknown` on purpose: every event is validated, and tests feed it malformed ones.
 */
export type PreTokenGenerationHandler = (event: unknown) => Promise<PreTokenResult>;

/** The log halves of the decision lines of issued tokens (the keys come from the logger). */
const ISSUED: DecisionLine = { level: 'INFO', message: 'token claims issued' };
const CLIENT_ISSUED: DecisionLine = { level: 'INFO', message: 'client credentials token claims issued' };

// Cognito subs are UUIDs; anything else from an event is not logged.
const SUB = /^[0-9a-f-]{36}$/;

const MISCONFIGURATION_HINT =
  `${TENANT_ID_ATTRIBUTE} is not backed by a registry membership: something other than cognito-tenancy wrote it. ` +
  `Likely causes: an app client whose WriteAttributes include ${TENANT_ID_ATTRIBUTE}, or an identity provider ` +
  `attribute mapping that targets it. Run \`npm run tenants -- doctor\` against this user pool.`;

/**
 * Creates the pre token generation trigger over a registry (any event version; see `createClaimShaper` for
 * the claim rules). Tenant records and client bindings are cached per container with a bounded
 * stale-on-error window; the membership item is read for every user token (it carries the role), so a role
 * change or removal takes effect at the user's next sign-in or refresh.
 *
 * The token's tenant is `custom:tenantId` (the active tenant), or the tenant the client names in
 * `clientMetadata.tenantId` on the flows that pass it (docs/memberships.md): either way only with an active
 * membership of an active tenant. A per-session tenant the user does not belong to is refused with the same
 * answer as one that does not exist; it is never replaced by another tenant.
 *
 * Refusals throw a `TenancyError` whose `message` is the user-safe text (Cognito shows it on the sign-in
 * page); the specific reason is its `cause` and goes to the log.
 */
export function createPreTokenGenerationHandler(deps: PreTokenGenerationDeps): PreTokenGenerationHandler {
  const { registry, config, logger } = deps;
  const metrics = deps.metrics ?? loggedDecisions(logger);
  const shaper = createClaimShaper(config, deps.now);
  const cacheOptions = { ttlMs: config.cacheTtlMs, staleTtlMs: config.staleTtlMs, now: deps.now };
  const tenants = new ReadThroughCache<Tenant | undefined>(cacheOptions);
  const clients = new ReadThroughCache<string | undefined>(cacheOptions);
  const pools = new ReadThroughCache<string | undefined>(cacheOptions);

  const noteStale = (what: string, outcome: CacheOutcome, error: unknown) => {
    // Only a failed load is news; a stale answer inside the retry pause carries no error and is not logged again.
    if (outcome === 'stale' && error !== undefined) {
      logger.warn(`tenant registry unavailable; serving a cached ${what}`, { error });
    }
  };

  const requireActive = (tenantId: string, tenant: Tenant | undefined): Tenant => {
    if (tenant === undefined) throw new TenantNotFoundError(tenantId);
    if (tenant.status !== 'active') throw new TenantInactiveError(tenantId, tenant.status, tenant.tier);
    return tenant;
  };

  const loadTenant = async (tenantId: string): Promise<Tenant> => {
    const { value, outcome, error } = await tenants.get(tenantId, () => registry.getTenant(tenantId));
    noteStale('tenant', outcome, error);
    return requireActive(tenantId, value);
  };

  // A fresh cache entry is used without awaiting anything: the warm path stays free of promise hops.
  const activeTenant = (tenantId: string): Tenant | Promise<Tenant> => {
    const cached = tenants.fresh(tenantId);
    return cached === undefined ? loadTenant(tenantId) : requireActive(tenantId, cached.value);
  };

  const loadPoolTenant = async (userPoolId: string): Promise<string | undefined> => {
    const { value, outcome, error } = await pools.get(userPoolId, () =>
      registry.resolveBinding(makeBinding('pool', userPoolId)),
    );
    noteStale('pool binding', outcome, error);
    return value;
  };

  const issue = async (input: Record<string, unknown>): Promise<PreTokenResult> => {
    const request = parseTokenRequest(input);
    // Validated above: from here on the event has the shape Cognito documents.
    const event = input as unknown as PreTokenGenerationEvent;

    if (request.kind === 'client') {
      const binding = makeBinding('client', request.clientId);
      const {
        value: tenantId,
        outcome,
        error,
      } = await clients.get(request.clientId, () => registry.resolveBinding(binding));
      noteStale('client binding', outcome, error);
      if (tenantId === undefined) throw new BindingNotFoundError(`client ${request.clientId}`);
      logger.appendKeys({ triggerSource: request.triggerSource, tenantId });
      const pending = activeTenant(tenantId);
      const tenant = pending instanceof Promise ? await pending : pending;
      const response = shaper.client(tenant);
      metrics.record('issued', 'client-binding', tenant.tier, CLIENT_ISSUED);
      return { ...event, response };
    }

    const requested = request.requestedTenantId;
    const claimed = stringAttribute(request.userAttributes, TENANT_ID_ATTRIBUTE);
    if (requested !== undefined && !isValidTenantId(requested)) {
      throw new InvalidInputError('clientMetadata.tenantId is not a well-formed tenant id', 'tenantId');
    }
    if (requested === undefined && (claimed === undefined || claimed === '')) {
      throw new TenantNotAssignedError(request.sub);
    }
    if (requested === undefined && claimed !== undefined && !isValidTenantId(claimed)) {
      // Not echoed: whoever wrote this value is not this suite, and it could be anything (an e-mail address).
      throw new InvalidInputError(`${TENANT_ID_ATTRIBUTE} is not a well-formed tenant id`, 'tenantId');
    }
    const tenantId = (requested ?? claimed) as string;
    const session = requested !== undefined;
    // One appendKeys per invocation: each call costs about a microsecond in Powertools.
    logger.appendKeys({ triggerSource: request.triggerSource, tenantId, sub: request.sub });
    // The membership carries the role: read for every token, next to the (usually cached) tenant and the pool's
    // binding. All reads are settled before judging, so no read outlives the invocation that started it.
    const cachedPool = pools.fresh(request.userPoolId);
    const [tenantAnswer, membershipAnswer, poolAnswer] = await Promise.all([
      settle(() => activeTenant(tenantId)),
      settle(() => registry.getMembership(tenantId, request.sub)),
      settle(() => (cachedPool === undefined ? loadPoolTenant(request.userPoolId) : cachedPool.value)),
    ]);
    if (session) {
      // A tenant asked for by the client: whether it exists is not revealed to someone who is not a member.
      if ('error' in membershipAnswer) throw membershipAnswer.error;
      if (!isActiveMembership(membershipAnswer.value)) throw new MembershipNotFoundError(tenantId, request.sub);
    }
    if ('error' in tenantAnswer) throw tenantAnswer.error;
    // Silo pinning (pool-pinning.ts): a user of pool X never gets tokens for a tenant pinned to pool Y.
    if ('error' in poolAnswer) throw poolAnswer.error;
    if (!pinnedToPool(request.userPoolId, poolAnswer.value, tenantAnswer.value)) {
      throw new PoolMismatchError(tenantId, request.userPoolId);
    }
    if ('error' in membershipAnswer) throw membershipAnswer.error;
    const tenant = tenantAnswer.value;
    const membership = membershipAnswer.value;
    if (membership === undefined) throw new MembershipMismatchError(tenantId, request.sub);
    if (!isActiveMembership(membership)) throw new MembershipNotFoundError(tenantId, request.sub);
    const response = shaper.user(request, tenant, membership, session);
    // One line with the metric; it carries the keys appended above (triggerSource, tenantId, sub).
    metrics.record('issued', 'tenant-member', tenant.tier, ISSUED);
    return { ...event, response };
  };

  const refuse = (error: unknown, event: unknown): never => {
    // Refused before the keys were appended (no tenant yet): still say which trigger source it was.
    // …and whose user it was (the sub is an opaque id), so "why was this user refused" finds the line.
    const source = (event as { triggerSource?: unknown } | null)?.triggerSource;
    if (typeof source === 'string' && source.length <= 64) logger.appendKeys({ triggerSource: source });
    const sub = (event as { request?: { userAttributes?: { sub?: unknown } } } | null)?.request?.userAttributes?.sub;
    if (typeof sub === 'string' && SUB.test(sub)) logger.appendKeys({ sub });
    throw triggerRefusal(error, { logger, metrics, subject: 'token', explain: explainMismatch });
  };

  return async (event) => {
    // Keys of the previous invocation (tenantId, triggerSource) must never leak into this one's log lines.
    logger.resetKeys();
    try {
      if (typeof event !== 'object' || event === null || Array.isArray(event)) {
        throw new InvalidInputError('malformed pre token generation event: not an object', 'event');
      }
      return await issue(event as Record<string, unknown>);
    } catch (error) {
      return refuse(error, event);
    }
  };
}

/** A value or the error it failed with, so two concurrent reads can be judged in a chosen order. */
async function settle<T>(read: () => T | Promise<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await read() };
  } catch (error) {
    return { error };
  }
}

/** An unbacked `custom:tenantId` is a misconfiguration: the log line tells the operator where to look. */
function explainMismatch(error: unknown): { message: string; fields: Record<string, unknown> } | undefined {
  if (!(error instanceof MembershipMismatchError)) return undefined;
  return { message: MISCONFIGURATION_HINT, fields: { error: error.name, sub: error.sub } };
}
