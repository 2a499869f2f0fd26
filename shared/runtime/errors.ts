/**
 * The one error hierarchy of cognito-tenancy.
 *
 * Every error carries a developer-facing `message` (logged, shown by the CLI) and a `userMessage` that is
 * safe to show to an end user: Cognito displays a trigger's error message on the sign-in page, so the
 * specific reason stays in `message`/`cause` and the logs, never in `userMessage`.
 */
import type { ReasonCode } from './reason-codes';

/** The root of the hierarchy: a developer-facing `message`, a `userMessage` safe for end users, a `reasonCode`. */
export class TenancyError extends Error {
  override name = 'TenancyError';
  /**
   * The reason code a decision ended by this error is logged, counted and audited under (`reasonOf`); a kind of
   * error that is no decision about the user is `internal-error`. Carried by each class rather than mapped in one
   * place, so a function's bundle holds only the error classes it uses.
   */
  readonly reasonCode: ReasonCode = 'internal-error';
  /** Short, generic text that may reach an end user. */
  readonly userMessage: string;

  constructor(message: string, options: { cause?: unknown; userMessage?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.userMessage = options.userMessage ?? 'The request could not be completed.';
  }
}

/** Configuration is missing, malformed or unsafe; raised once at cold start. */
export class ConfigurationError extends TenancyError {
  override name = 'ConfigurationError';
  constructor(
    message: string,
    readonly setting: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${setting}: ${message}`, { ...options, userMessage: 'The service is misconfigured.' });
  }
}

/** Operator or caller input that fails validation (tenant id, domain, tier, arguments). */
export class InvalidInputError extends TenancyError {
  override name = 'InvalidInputError';
  override readonly reasonCode: ReasonCode = 'invalid-input';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** A tier name that the tier configuration does not define. */
export class UnknownTierError extends InvalidInputError {
  override name = 'UnknownTierError';
  constructor(
    readonly tier: string,
    readonly knownTiers: readonly string[],
  ) {
    super(`unknown tier "${tier}" (known tiers: ${knownTiers.join(', ')})`, 'tier');
  }
}

/** No tenant with this id exists in the registry. */
export class TenantNotFoundError extends TenancyError {
  override name = 'TenantNotFoundError';
  override readonly reasonCode: ReasonCode = 'tenant-not-found';
  constructor(readonly tenantId: string) {
    super(`tenant ${tenantId} does not exist`, { userMessage: 'Your account is not assigned to an organization.' });
  }
}

/** A tenant with this id already exists. */
export class TenantExistsError extends TenancyError {
  override name = 'TenantExistsError';
  constructor(readonly tenantId: string) {
    super(`tenant ${tenantId} already exists`);
  }
}

/** The tenant exists but is suspended or disabled. */
export class TenantInactiveError extends TenancyError {
  override name = 'TenantInactiveError';
  override readonly reasonCode: ReasonCode = 'tenant-inactive';
  /** @param tier the tenant's tier when known, for the `tier` metric dimension. */
  constructor(
    readonly tenantId: string,
    readonly status: string,
    readonly tier?: string,
  ) {
    super(`tenant ${tenantId} is ${status}`, { userMessage: 'Your organization is not active.' });
  }
}

/** The binding is held by another tenant: bindings are unique, a second claim never overwrites. */
export class BindingConflictError extends TenancyError {
  override name = 'BindingConflictError';
  constructor(
    readonly binding: string,
    readonly heldBy: string,
  ) {
    super(`${binding} is already bound to tenant ${heldBy}`);
  }
}

/** The binding does not exist, or is not held by the tenant that tried to remove it. */
export class BindingNotFoundError extends TenancyError {
  override name = 'BindingNotFoundError';
  override readonly reasonCode: ReasonCode = 'no-binding';
  constructor(
    readonly binding: string,
    readonly tenantId?: string,
  ) {
    super(tenantId === undefined ? `${binding} is not bound` : `${binding} is not bound to tenant ${tenantId}`);
  }
}

/** The tenant has no free seat in its tier. */
export class SeatLimitError extends TenancyError {
  override name = 'SeatLimitError';
  override readonly reasonCode: ReasonCode = 'seats-full';
  /** @param tier the tenant's tier when known, for the `tier` metric dimension. */
  constructor(
    readonly tenantId: string,
    readonly seatLimit: number,
    readonly tier?: string,
  ) {
    super(`tenant ${tenantId} has no free seat (limit ${seatLimit})`, {
      userMessage: 'Your organization has no free seats.',
    });
  }
}

/** The user pool has no user by that name, alias or sub (adding a member names an existing user). */
export class UserNotFoundError extends TenancyError {
  override name = 'UserNotFoundError';
  constructor(
    readonly userPoolId: string,
    readonly user: string,
  ) {
    super(`user pool ${userPoolId} has no user ${user}`, { userMessage: 'No such user.' });
  }
}

/**
 * The user holds no membership in the tenant (or none that is active). Callers answer it exactly like an
 * unknown tenant: whether a tenant exists is not revealed to someone who does not belong to it.
 */
export class MembershipNotFoundError extends TenancyError {
  override name = 'MembershipNotFoundError';
  override readonly reasonCode: ReasonCode = 'membership-not-found';
  constructor(
    readonly tenantId: string,
    readonly sub: string,
  ) {
    super(`user ${sub} holds no active membership in tenant ${tenantId}`, {
      userMessage: 'You are not a member of this organization.',
    });
  }
}

/** The change would leave the tenant without an active tenant admin (demotion or removal of the last one). */
export class LastAdminError extends TenancyError {
  override name = 'LastAdminError';
  override readonly reasonCode: ReasonCode = 'last-admin';
  constructor(
    readonly tenantId: string,
    readonly sub: string,
  ) {
    super(`user ${sub} is the last tenant admin of tenant ${tenantId}; promote another member first`, {
      userMessage: 'An organization must keep at least one administrator.',
    });
  }
}

/** The registry could not be read or written (network, throttling, service error). */
export class RegistryUnavailableError extends TenancyError {
  override name = 'RegistryUnavailableError';
  override readonly reasonCode: ReasonCode = 'registry-unavailable';
  constructor(operation: string, options: { cause?: unknown } = {}) {
    super(`tenant registry unavailable during ${operation}`, {
      ...options,
      userMessage: 'The service is temporarily unavailable. Please try again.',
    });
  }
}

/** A user reached a tenant-scoped step without a usable tenant binding (no `custom:tenantId`). */
export class TenantNotAssignedError extends TenancyError {
  override name = 'TenantNotAssignedError';
  override readonly reasonCode: ReasonCode = 'no-tenant-attribute';
  constructor(readonly sub: string) {
    super(`user ${sub} has no tenant assigned`, { userMessage: 'Your account is not assigned to an organization.' });
  }
}

/**
 * A user of one pool would be placed in, or get tokens for, a tenant pinned to another pool
 * (`registry/pool-pinning.ts`): a shared-pool user and a siloed tenant, or a silo pool and another tenant.
 */
export class PoolMismatchError extends TenancyError {
  override name = 'PoolMismatchError';
  override readonly reasonCode: ReasonCode = 'pool-mismatch';
  constructor(
    readonly tenantId: string,
    readonly userPoolId: string,
  ) {
    super(`user pool ${userPoolId} may not speak for tenant ${tenantId} (silo pool pinning)`, {
      userMessage: 'Your account cannot sign in to this organization.',
    });
  }
}

/**
 * `custom:tenantId` names a tenant the user has no membership item in: something other than this suite
 * wrote the attribute (an app client with write permission on it, or an IdP attribute mapping onto it).
 */
export class MembershipMismatchError extends TenancyError {
  override name = 'MembershipMismatchError';
  override readonly reasonCode: ReasonCode = 'membership-mismatch';
  constructor(
    readonly tenantId: string,
    readonly sub: string,
  ) {
    super(`user ${sub} carries custom:tenantId ${tenantId} but has no membership in that tenant`, {
      userMessage: 'Your account is not assigned to an organization.',
    });
  }
}

/** No active tenant can take a new user: no binding matched and self-service sign-up is off. */
export class NoTenantForUserError extends TenancyError {
  override name = 'NoTenantForUserError';
  override readonly reasonCode: ReasonCode;
  /** @param code the reason code (docs/observability.md "Reason codes") for metrics, logs and audit items. */
  constructor(
    readonly reason: string,
    readonly code: 'no-binding' | 'email-unverified' | 'tenant-not-found' | 'pool-mismatch' = 'no-binding',
  ) {
    super(`no tenant for the new user: ${reason}`, {
      userMessage: 'Sign-up is not available for your account. Contact your administrator.',
    });
    this.reasonCode = code;
  }
}

/** A Cognito user pool call failed (network, throttling, service error, missing group). */
export class DirectoryUnavailableError extends TenancyError {
  override name = 'DirectoryUnavailableError';
  override readonly reasonCode: ReasonCode = 'directory-unavailable';
  constructor(operation: string, options: { cause?: unknown } = {}) {
    super(`user pool unavailable during ${operation}`, {
      ...options,
      userMessage: 'The service is temporarily unavailable. Please try again.',
    });
  }
}

/** A trigger ran out of its time budget; Cognito retries, and the retry finishes the work idempotently. */
export class DeadlineExceededError extends TenancyError {
  override name = 'DeadlineExceededError';
  override readonly reasonCode: ReasonCode = 'deadline-exceeded';
  constructor(
    readonly operation: string,
    readonly budgetMs: number,
  ) {
    super(`${operation} did not finish within ${budgetMs} ms`, {
      userMessage: 'The service is temporarily unavailable. Please try again.',
    });
  }
}

/** The user pool already holds a user with this name (an invitation cannot create it again). */
export class UserExistsError extends TenancyError {
  override name = 'UserExistsError';
  constructor(readonly detail: string) {
    super(detail);
  }
}

/**
 * Tenant-scoped credentials could not be obtained (STS refused or was unreachable). The request fails closed:
 * the backend never falls back to its own role.
 */
export class CredentialsUnavailableError extends TenancyError {
  override name = 'CredentialsUnavailableError';
  override readonly reasonCode: ReasonCode = 'credentials-unavailable';
  constructor(
    readonly tenantId: string,
    options: { cause?: unknown } = {},
  ) {
    super(`tenant-scoped credentials unavailable for tenant ${tenantId}`, {
      ...options,
      userMessage: 'The service is temporarily unavailable. Please try again.',
    });
  }
}

/** A policy engine could not decide (store unreachable, policy set unparsable, malformed request): deny. */
export class PolicyEngineError extends TenancyError {
  override name = 'PolicyEngineError';
  override readonly reasonCode: ReasonCode = 'policy-engine-error';
  /** The service that failed, as an operator would name it (`Verified Permissions in eu-west-1`), when known. */
  readonly target: string | undefined;
  constructor(message: string, options: { cause?: unknown; target?: string } = {}) {
    super(message, { cause: options.cause, userMessage: 'The service is temporarily unavailable. Please try again.' });
    this.target = options.target;
  }
}

/** The tenant has no policy store (or policy set) yet: `tenants policy-store create` was not run for it. */
export class PolicyStoreNotFoundError extends TenancyError {
  override name = 'PolicyStoreNotFoundError';
  override readonly reasonCode: ReasonCode = 'policy-store-missing';
  constructor(readonly tenantId: string) {
    super(`tenant ${tenantId} has no policy store`, { userMessage: 'The service is misconfigured.' });
  }
}

/** The policies deny the caller this action on this resource (HTTP 403). */
export class AccessDeniedError extends TenancyError {
  override name = 'AccessDeniedError';
  constructor(
    readonly action: string,
    readonly resource: string,
  ) {
    super(`${action} on ${resource} denied by policy`, { userMessage: 'You are not allowed to do this.' });
  }
}

/** A share names a user who is not a member of the caller's tenant (another tenant's, or nobody's). */
export class ShareRecipientNotFoundError extends TenancyError {
  override name = 'ShareRecipientNotFoundError';
  constructor(
    readonly tenantId: string,
    readonly sub: string,
  ) {
    super(`user ${sub} is not a member of tenant ${tenantId}`, {
      userMessage: 'No such user in your organization.',
    });
  }
}

/**
 * A data store (DynamoDB, S3) throttled the request or was unavailable after the SDK's own retries: worth
 * retrying later (HTTP 503). The store's error name is in the message and the whole error in `cause`, for logs.
 */
export class DataUnavailableError extends TenancyError {
  override name = 'DataUnavailableError';
  constructor(options: { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.name : 'unknown';
    super(`data store unavailable (${reason})`, {
      ...options,
      userMessage: 'The service is temporarily unavailable. Please try again.',
    });
  }
}
