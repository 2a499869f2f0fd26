import {
  acceptedVersionSet,
  MAX_GROUPS,
  MAX_SUB_LENGTH,
  TENANT_ID_PATTERN,
  TIER_PATTERN,
  VERSION_TEXT_PATTERN,
} from './claims-contract.js';
import { TenantContextError } from './tenant-context-error.js';

/** The verified caller of a request, as the cognito-tenancy authorizer passed it (authorizer context v1). */
export interface TenantContext {
  /** The tenant the verified token speaks for: the only tenant a backend may act for. */
  readonly tenantId: string;
  readonly tier: string;
  /** The caller's role groups in that tenant (empty when there are none). */
  readonly groups: readonly string[];
  /** The token's `sub`: a user, or the app client of a machine-to-machine token. */
  readonly sub: string;
  /** The claims contract version of the token the authorizer verified. */
  readonly claimsVersion: number;
}

/**
 * The parts of an API Gateway Lambda proxy event this reads: a REST API event (context keys directly under
 * `requestContext.authorizer`) or an HTTP API event of payload format 1.0 or 2.0 (`version` set; the Lambda
 * authorizer's context under `requestContext.authorizer.lambda`). `@types/aws-lambda`'s event types fit.
 */
export interface TenantContextEvent {
  readonly version?: string | undefined;
  readonly requestContext?: { readonly authorizer?: unknown } | null | undefined;
}

/** Options of `tenantContext`. */
export interface TenantContextOptions {
  /**
   * The claims versions this backend accepts. When absent, any version the authorizer let through: the context
   * has the same keys whatever the token's version (the authorizer reads renamed claims for it), and the
   * authorizer already refused versions outside its migration window. List versions to be stricter.
   */
  readonly acceptedVersions?: readonly number[];
}

const GROUPS_PATTERN = /^([^,]+(,[^,]+)*)?$/;

/**
 * The tenant context of a request behind the cognito-tenancy Lambda authorizer, read from the authorizer context
 * only (never from the path, headers or body). Throws `TenantContextError` when the event carries no context
 * (`missing-context`: the route is not behind the authorizer), an ill-formed one (`invalid-context`) or a claims
 * version the caller does not accept (`unsupported-version`). Answer those 403; never fall back to a tenant.
 */
export function tenantContext(event: TenantContextEvent, options: TenantContextOptions = {}): TenantContext {
  const accepted =
    options.acceptedVersions === undefined
      ? undefined
      : acceptedVersionSet(options.acceptedVersions, 'acceptedVersions');
  return tenantContextOf(authorizerContextOf(event), accepted);
}

/**
 * Where the Lambda authorizer's context sits in an event. HTTP API events say their payload `version`; REST API
 * events have none. The two places are never mixed: a REST context holding a key `lambda` is not read as HTTP's.
 */
function authorizerContextOf(event: TenantContextEvent): Readonly<Record<string, unknown>> {
  const authorizer = isRecord(event) && isRecord(event.requestContext) ? event.requestContext.authorizer : undefined;
  const version = isRecord(event) ? event.version : undefined;
  if (version !== undefined && version !== '1.0' && version !== '2.0') {
    throw new TenantContextError('invalid-context', 'version', 'the event is not an API Gateway payload 1.0 or 2.0');
  }
  const context = version === undefined ? authorizer : isRecord(authorizer) ? authorizer.lambda : undefined;
  if (!isRecord(context)) {
    const field = version === undefined ? 'requestContext.authorizer' : 'requestContext.authorizer.lambda';
    throw new TenantContextError('missing-context', field, 'the request carries no authorizer context');
  }
  return context;
}

/** Reads and checks a context record against the authorizer context schema (version 1). */
function tenantContextOf(
  context: Readonly<Record<string, unknown>>,
  accepted: ReadonlySet<number> | undefined,
): TenantContext {
  const { tenantId, tier, groups, sub, claimsVersion } = context;
  if (typeof claimsVersion !== 'string' || !VERSION_TEXT_PATTERN.test(claimsVersion)) {
    throw invalid('claimsVersion');
  }
  const version = Number(claimsVersion);
  if (accepted !== undefined && !accepted.has(version)) {
    throw new TenantContextError(
      'unsupported-version',
      'claimsVersion',
      `claims version ${version} is not accepted (accepted: ${[...accepted].join(', ')})`,
    );
  }
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId)) throw invalid('tenantId');
  if (typeof tier !== 'string' || !TIER_PATTERN.test(tier)) throw invalid('tier');
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUB_LENGTH) throw invalid('sub');
  if (typeof groups !== 'string' || !GROUPS_PATTERN.test(groups)) throw invalid('groups');
  const groupList = groups === '' ? [] : groups.split(',');
  if (groupList.length > MAX_GROUPS) throw invalid('groups');
  return { tenantId, tier, groups: groupList, sub, claimsVersion: version };
}

function invalid(field: string): TenantContextError {
  return new TenantContextError('invalid-context', field, `the authorizer context carries no well-formed ${field}`);
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
