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
  /**
   * Why the provider of a federated user cannot be trusted (its `identities` attribute disagrees with the
   * provider prefix Cognito put in the user name, or cannot be read); such a user is refused.
   */
  readonly providerConflict: string | undefined;
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

/** The provider of a federated user, or why it cannot be trusted. */
export interface FederatedProvider {
  readonly providerName: string | undefined;
  readonly conflict: string | undefined;
}

/**
 * The provider of a federated user. Cognito names federated users `<providerName>_<id>`, a prefix the user
 * cannot choose; `identities` (a JSON string, absent at pre sign-up) is an attribute an IdP mapping or a
 * misconfigured app client could write. So the user name is the authority: without `identities`, the provider
 * is the user name up to its first `_` (a provider name with an inner `_` is cut short there, matches no
 * binding and is refused); with `identities`, its first provider must be the user name's prefix (`AcmeSAML`
 * for `AcmeSAML_u1`), and anything else — another provider (`EvilOIDC_u11` claiming AcmeSAML), unreadable
 * JSON, no provider name — is a conflict, and the user is refused.
 */
export function federatedProvider(identities: string | undefined, userName: string): FederatedProvider {
  if (identities === undefined) {
    const cut = userName.indexOf('_');
    return { providerName: cut > 0 ? userName.slice(0, cut) : undefined, conflict: undefined };
  }
  let named: string | undefined;
  try {
    const parsed: unknown = JSON.parse(identities);
    const first: unknown = Array.isArray(parsed) ? parsed[0] : undefined;
    if (isRecord(first) && typeof first.providerName === 'string' && first.providerName !== '') {
      named = first.providerName;
    }
  } catch {
    // Unreadable identities: a conflict below.
  }
  if (named === undefined) return { providerName: undefined, conflict: 'identities names no provider' };
  if (!userName.startsWith(`${named}_`)) {
    return { providerName: undefined, conflict: `identities names ${named}, the user name another provider` };
  }
  return { providerName: named, conflict: undefined };
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
  const provider = federated ? federatedProvider(identities, userName) : undefined;
  return {
    triggerSource,
    userPoolId,
    userName,
    sub,
    clientId,
    federated,
    providerName: provider?.providerName,
    providerConflict: provider?.conflict,
    emailDomain: email === undefined ? undefined : emailDomainOf(email),
    emailVerified: !federated && stringAttribute(attributes, 'email_verified') === 'true',
    tenantIdAttribute: stringAttribute(attributes, TENANT_ID_ATTRIBUTE),
  };
}
