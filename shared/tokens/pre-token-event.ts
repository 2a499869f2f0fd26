import type {
  PreTokenGenerationTriggerEvent,
  PreTokenGenerationV2TriggerEvent,
  PreTokenGenerationV3TriggerEvent,
} from 'aws-lambda';
import { InvalidInputError } from '../runtime/errors';
import { isRecord } from '../runtime/is-record';

/**
 * A pre token generation event as Cognito documents it, any version (`@types/aws-lambda`). The trigger still
 * validates every event it receives: the types describe Cognito's contract, not what actually arrives.
 */
export type PreTokenGenerationEvent =
  | PreTokenGenerationTriggerEvent
  | PreTokenGenerationV2TriggerEvent
  | PreTokenGenerationV3TriggerEvent;

/** Trigger sources of a pre token generation event for a signed-in user. */
export const USER_TRIGGER_SOURCES = [
  'TokenGeneration_HostedAuth',
  'TokenGeneration_Authentication',
  'TokenGeneration_NewPasswordChallenge',
  'TokenGeneration_AuthenticateDevice',
  'TokenGeneration_RefreshTokens',
] as const;
export type UserTriggerSource = (typeof USER_TRIGGER_SOURCES)[number];
export const CLIENT_CREDENTIALS_SOURCE = 'TokenGeneration_ClientCredentials';

/**
 * Response format of an event: `v1` (`claimsOverrideDetails`, event versions "1" and the emulators' "0")
 * or `v2` (`claimsAndScopeOverrideDetails`, event versions "2" and "3").
 */
export type ResponseFormat = 'v1' | 'v2';

/** A validated pre token generation event for a user's tokens. */
export interface UserTokenRequest {
  readonly kind: 'user';
  readonly format: ResponseFormat;
  readonly triggerSource: UserTriggerSource;
  readonly userPoolId: string;
  /** The app client; cognito-local may send none. Unused for user tokens: the tenant comes from the user. */
  readonly clientId: string | undefined;
  /** The user's `sub` (Cognito always sends it in the attributes). */
  readonly sub: string;
  /** The user's attributes as Cognito sent them; read with `Object.hasOwn`, the event is untrusted input. */
  readonly userAttributes: Readonly<Record<string, unknown>>;
  /**
   * The user's Cognito groups (`groupConfiguration.groupsToOverride`). Never copied into tenant tokens: the
   * role comes from the membership (docs/memberships.md); kept for logs and the doctor.
   */
  readonly groups: readonly string[];
  /**
   * The tenant the client asked for this session (`clientMetadata.tenantId`), when it asked. Cognito passes
   * `ClientMetadata` to this trigger only from `RespondToAuthChallenge`, `AdminRespondToAuthChallenge` and
   * `GetTokensFromRefreshToken` (never from `InitiateAuth`/`AdminInitiateAuth`). A wish, not a fact: honoured
   * only when the user holds an active membership there, refused otherwise.
   */
  readonly requestedTenantId: string | undefined;
}

/** A validated V3 machine-to-machine event: no user, only the app client. */
export interface ClientTokenRequest {
  readonly kind: 'client';
  readonly format: 'v2';
  readonly triggerSource: typeof CLIENT_CREDENTIALS_SOURCE;
  readonly userPoolId: string;
  readonly clientId: string;
}

export type TokenRequest = UserTokenRequest | ClientTokenRequest;

// Bounds that real Cognito events stay far below; anything beyond them is refused rather than processed.
const MAX_GROUPS = 100;
const MAX_ID_LENGTH = 128;
// Cognito subs are UUIDs; emulators use other key-safe strings. Same rule as the registry's membership keys.
const SUB = /^[\w-]{1,128}$/;
/** The `clientMetadata` key a client names its per-session tenant with. */
export const SESSION_TENANT_KEY = 'tenantId';

function malformed(what: string): InvalidInputError {
  return new InvalidInputError(`malformed pre token generation event: ${what}`, 'event');
}

function shortString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) throw malformed(what);
  return value;
}

function formatOf(version: unknown): ResponseFormat {
  switch (version) {
    case '0':
    case '1':
      return 'v1';
    case '2':
    case '3':
      return 'v2';
    default:
      throw malformed('unsupported version');
  }
}

function groupsOf(groupConfiguration: unknown): string[] {
  // cognito-local sends `{}`; a V3 machine event may send null. Both mean "no groups".
  if (groupConfiguration === undefined || groupConfiguration === null) return [];
  if (!isRecord(groupConfiguration)) throw malformed('groupConfiguration');
  const groups = groupConfiguration.groupsToOverride;
  if (groups === undefined || groups === null) return [];
  if (!Array.isArray(groups) || groups.length > MAX_GROUPS) throw malformed('groupsToOverride');
  for (const group of groups) if (typeof group !== 'string') throw malformed('groupsToOverride');
  return groups as string[];
}

function requestedTenantOf(clientMetadata: unknown): string | undefined {
  // Absent on most flows (Cognito passes ClientMetadata to this trigger from three APIs only).
  if (clientMetadata === undefined || clientMetadata === null) return undefined;
  if (!isRecord(clientMetadata)) throw malformed('clientMetadata');
  if (!Object.hasOwn(clientMetadata, SESSION_TENANT_KEY)) return undefined;
  // Well-formedness of the id is the handler's check (a refusal it names); here only the type.
  return shortString(clientMetadata[SESSION_TENANT_KEY], `clientMetadata.${SESSION_TENANT_KEY}`);
}

/**
 * Validates an untrusted pre token generation event (any version) and returns the parts the trigger uses.
 * Throws `InvalidInputError` (field `event`) for anything Cognito would not send, so that a malformed or
 * tampered event is refused with a generic message instead of failing with a `TypeError`.
 */
export function parseTokenRequest(event: unknown): TokenRequest {
  if (!isRecord(event)) throw malformed('not an object');
  const format = formatOf(event.version);
  const userPoolId = shortString(event.userPoolId, 'userPoolId');
  const callerContext = event.callerContext;
  if (!isRecord(callerContext)) throw malformed('callerContext');
  const request = event.request;
  if (!isRecord(request)) throw malformed('request');
  const triggerSource = event.triggerSource;

  if (triggerSource === CLIENT_CREDENTIALS_SOURCE) {
    // Machine-to-machine tokens exist only in V3 events.
    if (event.version !== '3') throw malformed('client credentials outside version 3');
    const clientId = shortString(callerContext.clientId, 'callerContext.clientId');
    return { kind: 'client', format: 'v2', triggerSource, userPoolId, clientId };
  }
  if (!(USER_TRIGGER_SOURCES as readonly unknown[]).includes(triggerSource)) throw malformed('triggerSource');
  const userAttributes = request.userAttributes;
  if (!isRecord(userAttributes)) throw malformed('userAttributes');
  const sub = stringAttribute(userAttributes, 'sub');
  if (sub === undefined || !SUB.test(sub)) throw malformed('sub');
  return {
    kind: 'user',
    format,
    triggerSource: triggerSource as UserTriggerSource,
    userPoolId,
    clientId: typeof callerContext.clientId === 'string' ? callerContext.clientId : undefined,
    sub,
    userAttributes,
    groups: groupsOf(request.groupConfiguration),
    requestedTenantId: requestedTenantOf(request.clientMetadata),
  };
}

/** A user attribute's value when it is a string the event really holds (never inherited), else `undefined`. */
export function stringAttribute(attributes: Readonly<Record<string, unknown>>, name: string): string | undefined {
  if (!Object.hasOwn(attributes, name)) return undefined;
  const value = attributes[name];
  return typeof value === 'string' ? value : undefined;
}
