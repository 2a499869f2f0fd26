import { TENANT_ID_ATTRIBUTE } from '../cognito/tenant-id-attribute';
import { assertUserPoolId, isValidClientId } from '../registry/binding';
import { emailDomainOf } from '../registry/email-domain';
import { isValidSub } from '../registry/registry-rules';
import { InvalidInputError } from '../runtime/errors';
import { isRecord } from '../runtime/is-record';

/**
 * What tenant resolution may know about a user who is signing up, read from a pre sign-up or post
 * confirmation event. Only facts Cognito itself vouches for are kept; the e-mail domain is kept with its
 * verification state, and a federated user's e-mail never counts as verified.
 */
export interface NewUser {
  readonly triggerSource: string;
  readonly userPoolId: string;
  /** The user's Cognito user name (the sub when e-mail is the sign-in alias). */
  readonly userName: string;
  /** Absent at pre sign-up: Cognito has not created the user yet. */
  readonly sub: string | undefined;
  /** The app client the user signs up through (`callerContext.clientId`). */
  readonly clientId: string | undefined;
  /** Whether the user comes from an external IdP. */
  readonly federated: boolean;
  /** The external IdP's provider name, for a federated user whose provider could be determined. */
  readonly providerName: string | undefined;
  /** Normalised domain of the `email` attribute, when it has a valid one. */
  readonly emailDomain: string | undefined;
  /** `email_verified` is "true" and the user is not federated (an IdP's e-mail is its own claim). */
  readonly emailVerified: boolean;
  /** `custom:tenantId` as the event carries it: untrusted, reported only. */
  readonly tenantIdAttribute: string | undefined;
}

function stringAttribute(attributes: Record<string, unknown>, name: string): string | undefined {
  const value = attributes[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The provider name of a federated user: from `identities` (a JSON string Cognito writes) when present, else
 * from the user name Cognito gives federated users, `<providerName>_<id>` (pre sign-up events have no
 * `identities` yet). A provider name with an inner `_` is cut short there; it then matches no binding and the
 * pre sign-up gate refuses, while post confirmation (which has `identities`) decides correctly.
 */
export function providerNameOf(identities: string | undefined, userName: string): string | undefined {
  if (identities !== undefined) {
    try {
      const parsed: unknown = JSON.parse(identities);
      const first: unknown = Array.isArray(parsed) ? parsed[0] : undefined;
      if (isRecord(first) && typeof first.providerName === 'string' && first.providerName !== '') {
        return first.providerName;
      }
    } catch {
      // Malformed identities: fall back to the user name.
    }
  }
  const cut = userName.indexOf('_');
  return cut > 0 ? userName.slice(0, cut) : undefined;
}

/** Reads a pre sign-up or post confirmation event; `InvalidInputError` when it lacks what Cognito always sends. */
export function newUserFromTrigger(event: unknown): NewUser {
  if (!isRecord(event) || !isRecord(event.request) || !isRecord(event.request.userAttributes)) {
    throw new InvalidInputError('event has no request.userAttributes', 'event');
  }
  const { triggerSource, userPoolId, userName } = event;
  if (typeof triggerSource !== 'string') throw new InvalidInputError('event has no triggerSource', 'triggerSource');
  if (typeof userPoolId !== 'string') throw new InvalidInputError('event has no userPoolId', 'userPoolId');
  assertUserPoolId(userPoolId);
  if (typeof userName !== 'string' || userName === '') throw new InvalidInputError('event has no userName', 'userName');
  const attributes = event.request.userAttributes;
  const sub = stringAttribute(attributes, 'sub');
  if (sub !== undefined && !isValidSub(sub)) throw new InvalidInputError('event has a malformed sub', 'sub');
  // cognito-local sends a null clientId for admin calls; a malformed one simply matches no binding.
  const rawClientId = isRecord(event.callerContext) ? event.callerContext.clientId : undefined;
  const clientId = isValidClientId(rawClientId) ? rawClientId : undefined;
  const identities = stringAttribute(attributes, 'identities');
  const federated =
    triggerSource === 'PreSignUp_ExternalProvider' ||
    identities !== undefined ||
    stringAttribute(attributes, 'cognito:user_status') === 'EXTERNAL_PROVIDER';
  const email = stringAttribute(attributes, 'email');
  return {
    triggerSource,
    userPoolId,
    userName,
    sub,
    clientId,
    federated,
    providerName: federated ? providerNameOf(identities, userName) : undefined,
    emailDomain: email === undefined ? undefined : emailDomainOf(email),
    emailVerified: !federated && stringAttribute(attributes, 'email_verified') === 'true',
    tenantIdAttribute: stringAttribute(attributes, TENANT_ID_ATTRIBUTE),
  };
}
