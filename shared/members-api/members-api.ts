import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { TenantDirectory } from '../cognito/tenant-directory';
import type { MembershipActor, MembershipOperations } from '../memberships/membership-operations';
import type { DirectoryUserRef, Membership, UserMemberships } from '../registry/tenant';
import { isValidTenantId } from '../registry/tenant-id';
import {
  AccessDeniedError,
  DirectoryUnavailableError,
  InvalidInputError,
  LastAdminError,
  MembershipNotFoundError,
  RegistryUnavailableError,
  SeatLimitError,
  TenancyError,
  TenantInactiveError,
  TenantNotFoundError,
} from '../runtime/errors';
import type { HandlerLogger } from '../runtime/handler-logger';
import { isRecord } from '../runtime/is-record';

/** Routes of the memberships API (serverless.yml `members.events`, docs/memberships.md). */
const MEMBERS_ROUTES = {
  'GET /me/tenants': 'list-tenants',
  'PUT /me/active-tenant': 'switch-tenant',
  'POST /tenants/{tenantId}/members': 'add-member',
  'PUT /tenants/{tenantId}/members/{sub}': 'set-role',
  'DELETE /tenants/{tenantId}/members/{sub}': 'remove-member',
} as const;
export type MembersRoute = (typeof MEMBERS_ROUTES)[keyof typeof MEMBERS_ROUTES];

/** A request, already taken apart by the function (transport-neutral). */
export interface MembersRequest {
  /** The HTTP API route key (`PUT /me/active-tenant`). */
  readonly routeKey: string | undefined;
  /** The authorizer context (`tenantId`, `sub`, `groups`): the only source of who the caller is. */
  readonly context: Readonly<Record<string, unknown>> | undefined;
  readonly pathParameters: Readonly<Record<string, string | undefined>> | undefined;
  /** The body as text. */
  readonly body: string | undefined;
}

/** What the function answers; `error` is the cause of a 4xx/5xx, for the log only. */
export interface MembersResponse {
  readonly statusCode: number;
  readonly body: unknown;
  readonly error?: unknown;
}

/** Dependencies of the handler, built once per container. */
export interface MembersApiDeps {
  /**
   * The membership operations (registry transactions with their guards, then `custom:tenantId`) acting for
   * the verified caller: their audit items name that user.
   */
  readonly operationsFor: (
    callerSub: string,
  ) => Pick<MembershipOperations, 'listTenants' | 'switchTenant' | 'addMember' | 'setRole' | 'removeMember'>;
  /** Where a user lives in Cognito, from the registry's user item (one Query of the user's partition). */
  readonly users: { listMemberships(sub: string): Promise<Pick<UserMemberships, 'directoryUser'>> };
  /** Looks up a user of the admin's pool by e-mail address (`AdminGetUser`). */
  readonly directory: Pick<TenantDirectory, 'getUser'>;
  /** Configured role groups (the roles a membership may hold). */
  readonly roleGroups: readonly string[];
  /** The role that may manage a tenant's members. */
  readonly adminRole: string;
}

/** The members API: one request in, one answer out; never throws. */
export type MembersApiHandler = (request: MembersRequest) => Promise<MembersResponse>;

const MAX_BODY = 4096;
// Cognito subs are UUIDs; emulators use other key-safe strings. Same rule as the registry's membership keys.
const SUB = /^[\w-]{1,128}$/;
const NOT_FOUND: MembersResponse = { statusCode: 404, body: { message: 'Not found.' } };
const FORBIDDEN = { message: 'Forbidden.' };
/** What the client does after a switch: the tokens it holds still carry the previous tenant. */
const REFRESH_TOKENS = {
  action: 'refresh-tokens',
  message:
    'Refresh your tokens (GetTokensFromRefreshToken, or InitiateAuth with REFRESH_TOKEN_AUTH): the tokens you hold still carry the previous tenant.',
} as const;

interface Caller {
  readonly sub: string;
  readonly tenantId: string;
  readonly groups: readonly string[];
}

/**
 * Creates the memberships API handler (docs/memberships.md):
 *
 * - `GET /me/tenants`: the caller's active memberships (tenant id, name, role, tenant status, which is active).
 * - `PUT /me/active-tenant` `{ "tenantId": … }`: switches the caller's active tenant. The caller is the
 *   authorizer's verified `sub`, never the body. A tenant the caller holds no active membership of answers
 *   exactly like a tenant that does not exist (404). The answer tells the client to refresh its tokens.
 * - `POST /tenants/{tenantId}/members` `{ "sub" | "email", "role" }` (an existing user of the admin's own pool),
 *   `PUT /tenants/{tenantId}/members/{sub}`
 *   `{ "role" }`, `DELETE /tenants/{tenantId}/members/{sub}`: tenant admins of that tenant only. The route
 *   rules require the admin role (the authorizer judges with the registry's role, so a demoted admin is refused
 *   within the cache TTL); this handler checks it again, and that the path's tenant is the caller's own, and the
 *   operations check the admin membership once more against the registry (consistent read) before writing.
 *
 * Every input is checked before any call: a refused request changes nothing.
 */
export function createMembersApi(deps: MembersApiDeps): MembersApiHandler {
  const { operationsFor, users, directory, roleGroups, adminRole } = deps;

  // An existing user of the admin's own pool, by sub (the registry knows where they live) or by e-mail address
  // (AdminGetUser in that pool). Anyone else — another pool's user, nobody — is one answer: 404.
  const memberToAdd = async (caller: Caller, body: Record<string, unknown>) => {
    const pool = (await users.listMemberships(caller.sub)).directoryUser?.userPoolId;
    if (pool === undefined) throw new UnknownUserError('the caller is not recorded with a user pool');
    if (body.sub !== undefined) {
      const sub = subject(body.sub, 'sub');
      const user = (await users.listMemberships(sub)).directoryUser;
      if (user?.userPoolId !== pool) throw new UnknownUserError('no such user in the caller pool');
      return { sub, directoryUser: user };
    }
    const email = address(body.email);
    const found = await directory.getUser(pool, email);
    if (found === undefined) throw new UnknownUserError('no such user in the caller pool');
    const directoryUser: DirectoryUserRef = { userPoolId: pool, username: found.username };
    return { sub: found.sub, directoryUser };
  };

  const role = (value: unknown): string => {
    if (typeof value !== 'string' || !roleGroups.includes(value)) {
      throw new InvalidInputError(`"role" must be one of ${roleGroups.join(', ')}`, 'role');
    }
    return value;
  };

  const route = async (name: MembersRoute, caller: Caller, request: MembersRequest): Promise<MembersResponse> => {
    const operations = operationsFor(caller.sub);
    switch (name) {
      case 'list-tenants': {
        noBody(request.body);
        const tenants = await operations.listTenants(caller.sub);
        const active = tenants.find((tenant) => tenant.active)?.tenantId;
        return {
          statusCode: 200,
          body: {
            activeTenantId: active ?? null,
            tenants: tenants.map((tenant) => ({
              tenantId: tenant.tenantId,
              name: tenant.name ?? null,
              role: tenant.role,
              tenantStatus: tenant.tenantStatus ?? null,
              active: tenant.active,
            })),
          },
        };
      }
      case 'switch-tenant': {
        const { tenantId } = parseBody(request.body, ['tenantId']);
        if (!isValidTenantId(tenantId))
          throw new InvalidInputError('"tenantId" is not a well-formed tenant id', 'tenantId');
        // The token's tenant: a repeated switch repairs a custom:tenantId an interrupted switch left behind.
        const result = await operations.switchTenant(caller.sub, tenantId, { tokenTenantId: caller.tenantId });
        return {
          statusCode: 200,
          body: {
            activeTenantId: result.tenantId,
            previousTenantId: result.previousTenantId ?? null,
            changed: result.changed,
            next: {
              ...REFRESH_TOKENS,
              // Works whatever custom:tenantId says (and is the only way when the registry does not know where
              // the user lives in Cognito: 'unknown-user', until an operator runs `tenants migrate --pool`).
              clientMetadata: { tenantId: result.tenantId },
              ...(result.directory === 'unknown-user' ? { customTenantIdWritten: false } : {}),
            },
          },
        };
      }
      case 'add-member': {
        const tenantId = ownTenant(caller, request);
        const body = parseBody(request.body, ['role'], ['sub', 'email']);
        const member = await memberToAdd(caller, body);
        const result = await operations.addMember(actorOf(caller), tenantId, member, role(body.role));
        return { statusCode: result.created ? 201 : 200, body: { membership: view(result.membership) } };
      }
      case 'set-role': {
        const tenantId = ownTenant(caller, request);
        const sub = subject(request.pathParameters?.sub, 'sub');
        const body = parseBody(request.body, ['role']);
        const membership = await operations.setRole(actorOf(caller), tenantId, sub, role(body.role));
        return { statusCode: 200, body: { membership: view(membership) } };
      }
      case 'remove-member': {
        const tenantId = ownTenant(caller, request);
        const sub = subject(request.pathParameters?.sub, 'sub');
        noBody(request.body);
        const { removed } = await operations.removeMember(actorOf(caller), tenantId, sub);
        return removed ? { statusCode: 204, body: null } : NOT_FOUND;
      }
    }
  };

  // Members routes: the caller administers the path's tenant, which is the caller's own (defence in depth
  // behind the authorizer, which already refuses both).
  const ownTenant = (caller: Caller, request: MembersRequest): string => {
    const tenantId = request.pathParameters?.tenantId;
    if (tenantId !== caller.tenantId) throw new ForbiddenError('path tenant is not the caller tenant');
    if (!caller.groups.includes(adminRole)) throw new ForbiddenError(`caller lacks ${adminRole}`);
    return tenantId;
  };

  return async (request) => {
    const name = MEMBERS_ROUTES[(request.routeKey ?? '') as keyof typeof MEMBERS_ROUTES];
    if (name === undefined) return NOT_FOUND;
    const caller = callerOf(request.context);
    if (caller === undefined) {
      return { statusCode: 403, body: FORBIDDEN, error: new ForbiddenError('no verified caller in the context') };
    }
    try {
      return await route(name, caller, request);
    } catch (error) {
      return answerError(error);
    }
  };
}

/** A refusal of the handler's own authorization checks (403). */
class ForbiddenError extends TenancyError {
  override name = 'ForbiddenError';
}

/** The user to add is not an existing user of the caller's pool (404, whatever the reason). */
class UnknownUserError extends TenancyError {
  override name = 'UnknownUserError';
}

const EMAIL = /^[^\s@,]{1,64}@[^\s@,]{1,189}$/;

function address(value: unknown): string {
  if (typeof value !== 'string' || !EMAIL.test(value))
    throw new InvalidInputError('"email" must be an e-mail address', 'email');
  return value;
}

function actorOf(caller: Caller): MembershipActor {
  return { kind: 'tenant-admin', tenantId: caller.tenantId, sub: caller.sub };
}

function callerOf(context: Readonly<Record<string, unknown>> | undefined): Caller | undefined {
  if (context === undefined) return undefined;
  const { sub, tenantId, groups } = context;
  if (typeof sub !== 'string' || !SUB.test(sub) || !isValidTenantId(tenantId)) return undefined;
  return { sub, tenantId, groups: typeof groups === 'string' && groups !== '' ? groups.split(',') : [] };
}

function subject(value: unknown, field: string): string {
  if (typeof value !== 'string' || !SUB.test(value)) {
    throw new InvalidInputError(`"${field}" must be a user's sub (letters, digits, "_" and "-", 1-128)`, field);
  }
  return value;
}

function noBody(body: string | undefined): void {
  if (body !== undefined && body !== '') throw new InvalidInputError('this request takes no body', 'body');
}

/**
 * A JSON object body holding exactly `fields` (each present) and, when `oneOf` is given, exactly one of those;
 * any other key is refused.
 */
function parseBody<K extends string>(
  body: string | undefined,
  fields: readonly K[],
  oneOf: readonly string[] = [],
): Record<K, unknown> & Record<string, unknown> {
  const expected = [...fields, ...(oneOf.length > 0 ? [oneOf.join(' or ')] : [])].join(', ');
  if (body === undefined || body === '')
    throw new InvalidInputError(`body must be a JSON object with ${expected}`, 'body');
  if (body.length > MAX_BODY) throw new InvalidInputError(`body must be at most ${MAX_BODY} characters`, 'body');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new InvalidInputError('body is not valid JSON', 'body');
  }
  if (!isRecord(parsed)) throw new InvalidInputError(`body must be a JSON object with ${expected}`, 'body');
  for (const key of Object.keys(parsed)) {
    if (!(fields as readonly string[]).includes(key) && !oneOf.includes(key)) {
      throw new InvalidInputError(`unknown field "${key}"`, key);
    }
  }
  for (const field of fields) {
    if (!Object.hasOwn(parsed, field)) throw new InvalidInputError(`"${field}" is required`, field);
  }
  if (oneOf.length > 0 && oneOf.filter((key) => Object.hasOwn(parsed, key)).length !== 1) {
    throw new InvalidInputError(`exactly one of ${oneOf.join(', ')} is required`, oneOf.join('|'));
  }
  return parsed as Record<K, unknown> & Record<string, unknown>;
}

function view(membership: Membership) {
  return { tenantId: membership.tenantId, sub: membership.sub, role: membership.role, status: membership.status };
}

/** User-safe answers; the cause goes to the log through `error`. */
function answerError(error: unknown): MembersResponse {
  const answer = (statusCode: number, message: string): MembersResponse => ({
    statusCode,
    body: { message },
    error,
  });
  if (error instanceof InvalidInputError) return answer(400, error.message);
  if (error instanceof ForbiddenError || error instanceof AccessDeniedError) return answer(403, FORBIDDEN.message);
  // Not a member, no such tenant, no such user: one answer, so nothing is revealed about other tenants.
  if (
    error instanceof MembershipNotFoundError ||
    error instanceof TenantNotFoundError ||
    error instanceof UnknownUserError
  ) {
    return { ...NOT_FOUND, error };
  }
  if (error instanceof LastAdminError || error instanceof SeatLimitError || error instanceof TenantInactiveError) {
    return answer(409, error.userMessage);
  }
  if (error instanceof RegistryUnavailableError || error instanceof DirectoryUnavailableError) {
    return answer(503, 'Try again later.');
  }
  return answer(500, 'The request could not be completed.');
}

/** An HTTP API (payload 2.0) event behind the tenant authorizer. */
export type MembersEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<Record<string, unknown>>;

/**
 * The Lambda handler over `createMembersApi`: takes the route, path parameters, body and authorizer context
 * from the event, logs a refusal's cause (never the body or the token), answers JSON.
 */
export function createMembersApiHandler(
  deps: MembersApiDeps & { readonly logger: Pick<HandlerLogger, 'info'> },
): (event: MembersEvent) => Promise<APIGatewayProxyStructuredResultV2> {
  const members = createMembersApi(deps);
  return async (event) => {
    // serverless-offline sends `null` for a request without a body; API Gateway leaves it out.
    const raw = event.body ?? undefined;
    const body =
      event.isBase64Encoded === true && raw !== undefined ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    const context = event.requestContext?.authorizer?.lambda;
    const answer = await members({ routeKey: event.routeKey, context, pathParameters: event.pathParameters, body });
    if (answer.error !== undefined) {
      const { name, message } = answer.error instanceof Error ? answer.error : { name: 'unknown', message: '' };
      deps.logger.info('members request refused', {
        statusCode: answer.statusCode,
        reason: `${name}: ${message}`.slice(0, 300),
      });
    }
    return {
      statusCode: answer.statusCode,
      headers: { 'content-type': 'application/json' },
      ...(answer.body === null ? {} : { body: JSON.stringify(answer.body) }),
    };
  };
}
