import {
  BindingNotFoundError,
  CredentialsUnavailableError,
  DeadlineExceededError,
  DirectoryUnavailableError,
  InvalidInputError,
  LastAdminError,
  MembershipMismatchError,
  MembershipNotFoundError,
  NoTenantForUserError,
  PolicyEngineError,
  PolicyStoreNotFoundError,
  PoolMismatchError,
  RegistryUnavailableError,
  SeatLimitError,
  TenantInactiveError,
  TenantNotAssignedError,
  TenantNotFoundError,
} from './errors';

/**
 * What a function decided, one word per kind of answer. The `outcome` metric dimension and log key.
 * `failed` is a fault (an outage or a bug), never a decision about the user; `changed` is an operator's change.
 */
export const OUTCOMES = [
  'admitted',
  'assigned',
  'issued',
  'allowed',
  'refused',
  'denied',
  'unauthorized',
  'failed',
  'changed',
] as const;

/** One of `OUTCOMES`. */
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Every reason code, the one list that logs (`reason`), metrics (the `reason` dimension) and audit items
 * (`why`) share, with the outcomes it goes with and its meaning. The table docs/observability.md "Reason codes" is this
 * list (a test keeps them equal). Codes are short, fixed strings: a dimension never carries an id or a name.
 */
export const REASON_CODES = {
  // Where a new user was placed (pre sign-up admitted, post confirmation assigned) and why.
  'existing-member': ['admitted assigned', 'the user already has a membership (a retried trigger); never reassigned'],
  'pool-binding': ['admitted assigned', 'the user pool is bound to the tenant (silo)'],
  'idp-binding': ['admitted assigned', "the federated user's identity provider is bound to the tenant"],
  'client-binding': ['admitted assigned issued', 'the app client is bound to the tenant (bridge, client credentials)'],
  'domain-binding': ['admitted assigned', "the user's e-mail domain is bound to the tenant"],
  'self-service': ['admitted assigned', 'no binding matched and self-service sign-up created a tenant for the user'],
  invitation: ['admitted assigned', 'an operator invited the user (`tenants invite`)'],
  adoption: ['assigned', 'an operator adopted an existing user of the pool (`tenants adopt`)'],
  // Why a sign-up, an assignment or a token was refused.
  'no-binding': ['refused', 'no binding places the user (or the client) and self-service sign-up is off'],
  'email-unverified': ['refused', 'only an e-mail domain could place the user, and the address is not verified'],
  'seats-full': ['refused', "the tenant has no free seat in its tier's limit"],
  'tenant-inactive': ['refused denied', 'the tenant is suspended or disabled'],
  'tenant-not-found': [
    'refused denied',
    'the tenant named by a binding, by custom:tenantId or by a token does not exist',
  ],
  'no-tenant-attribute': ['refused', 'the user has no custom:tenantId (never assigned)'],
  'membership-mismatch': ['refused', 'custom:tenantId is not backed by a membership: something else wrote it'],
  'membership-not-found': ['refused denied', 'the user holds no active membership in the tenant'],
  'last-admin': ['refused', 'the change would leave the tenant without a tenant admin'],
  'invalid-input': ['refused', 'the event or a value in it is malformed (a malformed custom:tenantId included)'],
  // Token tenant claims issued.
  'tenant-member': ['issued', "the user's tenant is active (and the membership verified, when on)"],
  // Tenant-scoped credentials issued by STS (cache hits are not counted).
  'tenant-credentials': ['issued', 'STS AssumeRole issued credentials tagged with the TenantID'],
  // Authorizer: allowed and denied (403) verified callers.
  permitted: ['allowed', 'the route is one the token may use'],
  'tenant-mismatch': ['denied', "the path names another tenant than the token's"],
  'group-required': ['denied', 'the route needs a role group the caller lacks'],
  'tier-required': ['denied', 'the route needs a higher tier than the tenant has'],
  'unknown-route': ['denied', 'no route rule covers the request'],
  'non-canonical-path': ['denied', 'the path holds a dot, empty or encoded segment (never normalised)'],
  'pool-mismatch': [
    'refused denied',
    "the user's or token's pool is another tenant's silo pool, or a shared pool for a tenant with its own pool",
  ],
  // Authorizer: unauthorized (401), the token is missing or not valid for this API.
  'unsupported-event': ['unauthorized', 'not a REST TOKEN/REQUEST or HTTP API 2.0 authorizer event'],
  'malformed-method-arn': ['unauthorized', 'methodArn/routeArn is not an execute-api ARN'],
  'malformed-authorization-header': ['unauthorized', 'no single `Bearer <jwt>` Authorization header'],
  expired: ['unauthorized', 'the token has expired'],
  'not-yet-valid': ['unauthorized', 'the token is not valid yet (nbf)'],
  'wrong-issuer': ['unauthorized', 'the token was issued by a pool the API does not trust'],
  'wrong-client': ['unauthorized', 'the token was issued to an app client the API does not trust'],
  'wrong-token-use': ['unauthorized', 'an ID token where an access token is expected, or the reverse'],
  'unsupported-algorithm': ['unauthorized', 'the token is not signed with RS256'],
  'bad-signature': ['unauthorized', 'the signature does not verify'],
  'unknown-key': ['unauthorized', "the token's key id is not in the pool's JWKS"],
  'malformed-jwt': ['unauthorized', 'the token is not a well-formed JWT'],
  'jwks-unavailable': ['unauthorized', "the pool's JWKS could not be fetched"],
  'verification-failed': ['unauthorized', 'the token failed verification for another reason'],
  'missing-sub-claim': ['unauthorized', 'the token has no usable sub'],
  'missing-exp-claim': ['unauthorized', 'the token has no usable exp'],
  'missing-iss-claim': ['unauthorized', 'the token has no usable iss'],
  'missing-claims-version': ['unauthorized', 'the token has no claims version claim (issued without this suite)'],
  'unknown-claims-version': [
    'unauthorized',
    'the claims version is malformed, or neither the current one nor the previous one inside a rename window',
  ],
  'missing-tenant-claim': ['unauthorized', 'the token has no tenantId claim (issued without this suite)'],
  'invalid-tenant-claim': ['unauthorized', 'the tenantId claim is not a well-formed tenant id'],
  'missing-tier-claim': ['unauthorized', 'the token has no usable tier claim'],
  'invalid-groups-claim': ['unauthorized', 'cognito:groups is not a list of group names'],
  // Cedar policy decisions (shared/cedar/decide.ts).
  'policy-permit': ['allowed', 'a Cedar policy permits the action and none forbids it'],
  'policy-forbid': ['denied', 'a Cedar forbid policy matched'],
  'no-policy-permits': ['denied', "no Cedar policy permits the action (Cedar's default deny)"],
  // Faults: the decision could not be made (fail closed).
  'registry-unavailable': ['failed unauthorized', 'the tenant registry could not be read or written'],
  'directory-unavailable': ['failed', 'a Cognito call failed'],
  'deadline-exceeded': ['failed', "the trigger's time budget ran out (Cognito retries)"],
  'credentials-unavailable': ['failed', 'STS did not issue tenant-scoped credentials (the request fails closed)'],
  'policy-store-missing': ['failed', "the caller's tenant has no policy store"],
  'policy-engine-error': ['failed', 'the Cedar engine (embedded or Verified Permissions) could not decide'],
  'internal-error': ['failed unauthorized', 'an unexpected error (a bug or an unmapped failure)'],
  // Operator changes recorded in the audit trail.
  'operator-request': ['changed', 'an operator made the change with the tenants CLI'],
  'tenant-admin-request': ['changed', "a tenant admin made the change through the API, in the admin's own tenant"],
  'user-request': ['changed', 'the user made the change (switching the active tenant)'],
  'registry-upgrade': ['changed', '`tenants migrate` rewrote items an earlier version wrote'],
} as const satisfies Record<string, readonly [string, string]>;

/** One of the keys of `REASON_CODES`. */
export type ReasonCode = keyof typeof REASON_CODES;

/** Whether `value` is a reason code (for values read back from logs or the registry). */
export function isReasonCode(value: unknown): value is ReasonCode {
  return typeof value === 'string' && Object.hasOwn(REASON_CODES, value);
}

/**
 * The reason code for an error that ended a decision. The error hierarchy (`errors.ts`) names the failure;
 * this maps it onto the shared list. Anything unmapped is `internal-error`.
 */
export function reasonOf(error: unknown): ReasonCode {
  if (error instanceof NoTenantForUserError) return error.code;
  if (error instanceof SeatLimitError) return 'seats-full';
  if (error instanceof TenantInactiveError) return 'tenant-inactive';
  if (error instanceof TenantNotFoundError) return 'tenant-not-found';
  if (error instanceof TenantNotAssignedError) return 'no-tenant-attribute';
  if (error instanceof MembershipMismatchError) return 'membership-mismatch';
  if (error instanceof PoolMismatchError) return 'pool-mismatch';
  if (error instanceof MembershipNotFoundError) return 'membership-not-found';
  if (error instanceof LastAdminError) return 'last-admin';
  if (error instanceof BindingNotFoundError) return 'no-binding';
  if (error instanceof RegistryUnavailableError) return 'registry-unavailable';
  if (error instanceof DirectoryUnavailableError) return 'directory-unavailable';
  if (error instanceof DeadlineExceededError) return 'deadline-exceeded';
  if (error instanceof CredentialsUnavailableError) return 'credentials-unavailable';
  if (error instanceof PolicyStoreNotFoundError) return 'policy-store-missing';
  if (error instanceof PolicyEngineError) return 'policy-engine-error';
  if (error instanceof InvalidInputError) return 'invalid-input';
  return 'internal-error';
}

/** The tenant's tier an error carries (a full or inactive tenant), for the `tier` dimension. */
export function tierOf(error: unknown): string | undefined {
  return error instanceof SeatLimitError || error instanceof TenantInactiveError ? error.tier : undefined;
}

/** `refused` for a reason that is a decision about the user, `failed` for a fault. */
export function refusalOutcome(reason: ReasonCode): 'refused' | 'failed' {
  return (REASON_CODES[reason][0] as string).split(' ').includes('refused') ? 'refused' : 'failed';
}
