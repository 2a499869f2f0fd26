import { isActiveMembership, type Membership } from '../registry/tenant';
import { isValidTenantId } from '../registry/tenant-id';
import {
  InvalidInputError,
  LastAdminError,
  MembershipConflictError,
  MembershipNotFoundError,
  RegistryUnavailableError,
  SeatLimitError,
  TenancyError,
  TenantInactiveError,
  TenantNotFoundError,
} from '../runtime/errors';
import { isRecord } from '../runtime/is-record';

/** Routes of the memberships API (serverless.yml `members.events`, README "Memberships"). */
export const MEMBERS_ROUTES = {
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

/** A user's memberships as the API lists them. */
export interface UserMembershipsView {
  readonly activeTenantId: string | undefined;
  readonly memberships: readonly Membership[];
}

/**
 * The membership operations the API calls (the registry writes with their guards, and the Cognito write of
 * `custom:tenantId` where a change moves the active tenant). Every write records an audit item with reason
 * `tenant-admin-request` (members routes) or `user-request` (switch).
 */
export interface MembersOperations {
  listMemberships(sub: string): Promise<UserMembershipsView>;
  tenantName(tenantId: string): Promise<string | undefined>;
  /** Moves the active tenant: registry, then `custom:tenantId`. */
  switchActiveTenant(
    sub: string,
    tenantId: string,
  ): Promise<{ readonly activeTenantId: string; readonly previousTenantId: string | undefined; changed: boolean }>;
  /** Adds an existing user of the acting admin's pool, seat checked. */
  addMember(
    tenantId: string,
    sub: string,
    role: string,
    actorSub: string,
  ): Promise<{ readonly membership: Membership; readonly created: boolean }>;
  setRole(tenantId: string, sub: string, role: string): Promise<Membership>;
  removeMember(tenantId: string, sub: string): Promise<{ readonly removed: boolean }>;
}

/** Dependencies of the handler, built once per container. */
export interface MembersApiDeps {
  readonly operations: MembersOperations;
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
export const REFRESH_TOKENS = {
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
 * Creates the memberships API handler (README "Memberships"):
 *
 * - `GET /me/tenants`: the caller's memberships (tenant id, name, role, status, which one is active).
 * - `PUT /me/active-tenant` `{ "tenantId": … }`: switches the caller's active tenant. The caller is the
 *   authorizer's verified `sub`, never the body. A tenant the caller holds no active membership of answers
 *   exactly like a tenant that does not exist (404). The answer tells the client to refresh its tokens.
 * - `POST /tenants/{tenantId}/members` `{ "sub", "role" }`, `PUT /tenants/{tenantId}/members/{sub}`
 *   `{ "role" }`, `DELETE /tenants/{tenantId}/members/{sub}`: tenant admins of that tenant only. The route
 *   rules require the admin role (the authorizer judges with the registry's role, so a demoted admin is refused
 *   within the cache TTL); this handler checks it again, and that the path's tenant is the caller's own.
 *
 * Every input is checked before any call: a refused request changes nothing.
 */
export function createMembersApiHandler(deps: MembersApiDeps): MembersApiHandler {
  const { operations, roleGroups, adminRole } = deps;

  const role = (value: unknown): string => {
    if (typeof value !== 'string' || !roleGroups.includes(value)) {
      throw new InvalidInputError(`"role" must be one of ${roleGroups.join(', ')}`, 'role');
    }
    return value;
  };

  const route = async (name: MembersRoute, caller: Caller, request: MembersRequest): Promise<MembersResponse> => {
    switch (name) {
      case 'list-tenants': {
        noBody(request.body);
        const view = await operations.listMemberships(caller.sub);
        const tenants = await Promise.all(
          view.memberships.map(async (membership) => ({
            tenantId: membership.tenantId,
            name: (await operations.tenantName(membership.tenantId)) ?? null,
            role: membership.role,
            status: membership.status,
            active: membership.tenantId === view.activeTenantId,
          })),
        );
        return { statusCode: 200, body: { activeTenantId: view.activeTenantId ?? null, tenants } };
      }
      case 'switch-tenant': {
        const { tenantId } = parseBody(request.body, ['tenantId']);
        if (!isValidTenantId(tenantId))
          throw new InvalidInputError('"tenantId" is not a well-formed tenant id', 'tenantId');
        const result = await operations.switchActiveTenant(caller.sub, tenantId);
        return {
          statusCode: 200,
          body: {
            activeTenantId: result.activeTenantId,
            previousTenantId: result.previousTenantId ?? null,
            changed: result.changed,
            next: REFRESH_TOKENS,
          },
        };
      }
      case 'add-member': {
        const tenantId = ownTenant(caller, request);
        const body = parseBody(request.body, ['sub', 'role']);
        const sub = subject(body.sub, 'sub');
        const result = await operations.addMember(tenantId, sub, role(body.role), caller.sub);
        return { statusCode: result.created ? 201 : 200, body: { membership: view(result.membership) } };
      }
      case 'set-role': {
        const tenantId = ownTenant(caller, request);
        const sub = subject(request.pathParameters?.sub, 'sub');
        const body = parseBody(request.body, ['role']);
        const membership = await operations.setRole(tenantId, sub, role(body.role));
        return { statusCode: 200, body: { membership: view(membership) } };
      }
      case 'remove-member': {
        const tenantId = ownTenant(caller, request);
        const sub = subject(request.pathParameters?.sub, 'sub');
        noBody(request.body);
        const { removed } = await operations.removeMember(tenantId, sub);
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

/** A JSON object body holding exactly `fields` (each present, nothing else). */
function parseBody<K extends string>(body: string | undefined, fields: readonly K[]): Record<K, unknown> {
  if (body === undefined || body === '')
    throw new InvalidInputError(`body must be a JSON object with ${fields.join(', ')}`, 'body');
  if (body.length > MAX_BODY) throw new InvalidInputError(`body must be at most ${MAX_BODY} characters`, 'body');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new InvalidInputError('body is not valid JSON', 'body');
  }
  if (!isRecord(parsed)) throw new InvalidInputError(`body must be a JSON object with ${fields.join(', ')}`, 'body');
  for (const key of Object.keys(parsed)) {
    if (!(fields as readonly string[]).includes(key)) throw new InvalidInputError(`unknown field "${key}"`, key);
  }
  for (const field of fields) {
    if (!Object.hasOwn(parsed, field)) throw new InvalidInputError(`"${field}" is required`, field);
  }
  return parsed as Record<K, unknown>;
}

function view(membership: Membership) {
  return {
    tenantId: membership.tenantId,
    sub: membership.sub,
    role: membership.role,
    status: membership.status,
    active: isActiveMembership(membership),
  };
}

/** User-safe answers; the cause goes to the log through `error`. */
function answerError(error: unknown): MembersResponse {
  const answer = (statusCode: number, message: string): MembersResponse => ({
    statusCode,
    body: { message },
    error,
  });
  if (error instanceof InvalidInputError) return answer(400, error.message);
  if (error instanceof ForbiddenError) return answer(403, FORBIDDEN.message);
  // Not a member, or no such tenant: one answer, so nothing is revealed about other tenants.
  if (error instanceof MembershipNotFoundError || error instanceof TenantNotFoundError) return { ...NOT_FOUND, error };
  if (
    error instanceof LastAdminError ||
    error instanceof SeatLimitError ||
    error instanceof TenantInactiveError ||
    error instanceof MembershipConflictError
  ) {
    return answer(409, error.userMessage);
  }
  if (error instanceof RegistryUnavailableError) return answer(503, 'Try again later.');
  return answer(500, 'The request could not be completed.');
}
