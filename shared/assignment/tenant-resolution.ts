import { membershipReason } from '../registry/audit-trail';
import { type Binding, bindingKey, makeBinding } from '../registry/binding';
import type { MembershipSource } from '../registry/tenant';
import type { ReasonCode } from '../runtime/reason-codes';
import type { NewUser } from './new-user';

/** How a binding placed the user; recorded as the membership's source. */
export type BindingSource = 'pool' | 'idp' | 'client' | 'domain';

/** A binding worth looking up for a user, in resolution order. */
export interface BindingCandidate {
  readonly source: BindingSource;
  readonly binding: Binding;
}

/** The outcome of tenant resolution for a new user (ARCHITECTURE.md "Tenant resolution"). */
export type Resolution =
  /** The user already has a membership: a retried or half-finished trigger. Never reassigned. */
  | { readonly kind: 'member'; readonly tenantId: string }
  /** A binding places the user in a tenant. */
  | { readonly kind: 'join'; readonly tenantId: string; readonly source: BindingSource; readonly binding: Binding }
  /** Nothing places the user, and self-service sign-up is on: a new tenant of their own. */
  | { readonly kind: 'self-service' }
  /** Nothing places the user. */
  | {
      readonly kind: 'refuse';
      readonly reason: string;
      readonly code: 'no-binding' | 'email-unverified' | 'pool-mismatch';
    };

/** What resolution may use besides the user. */
export interface ResolutionPolicy {
  readonly selfService: boolean;
  /**
   * Whether an unverified e-mail domain counts. Only the read-only pre sign-up gate sets this: Cognito has not
   * verified anything yet, so the gate can only check that the domain is bound to an active tenant; the join
   * itself happens at post confirmation, and only once `email_verified` is "true".
   */
  readonly acceptUnverifiedEmail: boolean;
}

/** Registry facts about the user: the tenant of an existing membership, and binding key → tenant id. */
export interface ResolutionLookups {
  readonly memberOf: string | undefined;
  readonly bindings: ReadonlyMap<string, string>;
}

function candidate(source: BindingSource, build: () => Binding): BindingCandidate[] {
  try {
    return [{ source, binding: build() }];
  } catch {
    // A value that cannot form a binding (malformed provider name…) matches nothing.
    return [];
  }
}

/**
 * The bindings that could place `user`, first match first: pool (silo), IdP of a federated user, app client
 * (bridge), then the e-mail domain of a non-federated user whose e-mail is verified (or, for the pre sign-up
 * gate, merely present).
 */
export function bindingCandidates(user: NewUser, policy: ResolutionPolicy): BindingCandidate[] {
  const { userPoolId, providerName, clientId, emailDomain } = user;
  return [
    ...candidate('pool', () => makeBinding('pool', userPoolId)),
    ...(user.federated && providerName !== undefined
      ? candidate('idp', () => makeBinding('idp', userPoolId, providerName))
      : []),
    ...(clientId === undefined ? [] : candidate('client', () => makeBinding('client', clientId))),
    ...(!user.federated && emailDomain !== undefined && (user.emailVerified || policy.acceptUnverifiedEmail)
      ? candidate('domain', () => makeBinding('domain', emailDomain))
      : []),
  ];
}

/**
 * Decides where a new user belongs, given what the registry holds. Pure: a federated user whose provider is in
 * conflict is refused; otherwise first match wins — an existing
 * membership, then the bindings in `bindingCandidates` order, then self-service when enabled, else refuse.
 * A bound tenant that turns out inactive or full is refused later; resolution never falls through to a
 * weaker binding, which could place the user in a tenant nobody meant.
 */
export function resolveTenant(user: NewUser, lookups: ResolutionLookups, policy: ResolutionPolicy): Resolution {
  // A federated user whose identities disagree with its user name is nobody we can place (new-user.ts).
  if (user.providerConflict !== undefined) {
    return { kind: 'refuse', reason: `federated user refused: ${user.providerConflict}`, code: 'no-binding' };
  }
  if (lookups.memberOf !== undefined) return { kind: 'member', tenantId: lookups.memberOf };
  for (const { source, binding } of bindingCandidates(user, policy)) {
    const tenantId = lookups.bindings.get(bindingKey(binding));
    if (tenantId !== undefined) return { kind: 'join', tenantId, source, binding };
  }
  if (policy.selfService) return { kind: 'self-service' };
  return refusal(user, policy);
}

// Names what was missing, for the log (never shown to the user), and its reason code.
function refusal(user: NewUser, policy: ResolutionPolicy): Extract<Resolution, { kind: 'refuse' }> {
  if (user.federated) {
    const reason = `no binding for identity provider ${user.providerName ?? '(unknown)'} or app client`;
    return { kind: 'refuse', reason, code: 'no-binding' };
  }
  if (user.emailDomain !== undefined && !user.emailVerified && !policy.acceptUnverifiedEmail) {
    const reason = 'no pool or app client binding, and the e-mail is not verified';
    return { kind: 'refuse', reason, code: 'email-unverified' };
  }
  const reason = 'no pool, app client or e-mail domain binding, and self-service sign-up is off';
  return { kind: 'refuse', reason, code: 'no-binding' };
}

/** The reason code of a placement: how the membership came to be (`existing` for a retried trigger). */
export function placementReason(source: MembershipSource | 'existing'): ReasonCode {
  return source === 'existing' ? 'existing-member' : membershipReason(source);
}

/** The reason code of an admitted sign-up's resolution. */
export function admissionReason(resolution: Exclude<Resolution, { kind: 'refuse' }>): ReasonCode {
  if (resolution.kind === 'member') return 'existing-member';
  return resolution.kind === 'join' ? placementReason(resolution.source) : 'self-service';
}
