import { SeatLimitError, TenancyError, TenantInactiveError } from './errors';

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
 * (`why`) share, with the outcomes it goes with and, in its doc comment, its meaning. The table
 * docs/observability.md "Reason codes" is this list (a test keeps codes, outcomes and meanings equal). The meanings
 * are comments so that minification leaves them out of every function that loads this list (about 4 KB parsed at
 * each cold start). Codes are short, fixed strings: a dimension never carries an id or a name.
 */
export const REASON_CODES = {
  // Where a new user was placed (pre sign-up admitted, post confirmation assigned) and why.
  /** the user already has a membership (a retried trigger); never reassigned */
  'existing-member': 'admitted assigned',
  /** the user pool is bound to the tenant (silo) */
  'pool-binding': 'admitted assigned',
  /** the federated user's identity provider is bound to the tenant */
  'idp-binding': 'admitted assigned',
  /** the app client is bound to the tenant (bridge, client credentials) */
  'client-binding': 'admitted assigned issued',
  /** the user's e-mail domain is bound to the tenant */
  'domain-binding': 'admitted assigned',
  /** no binding matched and self-service sign-up created a tenant for the user */
  'self-service': 'admitted assigned',
  /** an operator invited the user (`tenants invite`) */
  invitation: 'admitted assigned',
  /** an operator adopted an existing user of the pool (`tenants adopt`) */
  adoption: 'assigned',
  // Why a sign-up, an assignment or a token was refused.
  /** no binding places the user (or the client) and self-service sign-up is off */
  'no-binding': 'refused',
  /** only an e-mail domain could place the user, and the address is not verified */
  'email-unverified': 'refused',
  /** the tenant has no free seat in its tier's limit */
  'seats-full': 'refused',
  /** the tenant is suspended or disabled */
  'tenant-inactive': 'refused denied',
  /** the tenant named by a binding, by custom:tenantId or by a token does not exist */
  'tenant-not-found': 'refused denied',
  /** the user has no custom:tenantId (never assigned) */
  'no-tenant-attribute': 'refused',
  /** custom:tenantId is not backed by a membership: something else wrote it */
  'membership-mismatch': 'refused',
  /** the user holds no active membership in the tenant */
  'membership-not-found': 'refused denied',
  /** the change would leave the tenant without a tenant admin */
  'last-admin': 'refused',
  /** the event or a value in it is malformed (a malformed custom:tenantId included) */
  'invalid-input': 'refused',
  // Token tenant claims issued.
  /** the user's tenant is active (and the membership verified, when on) */
  'tenant-member': 'issued',
  // Tenant-scoped credentials issued by STS (cache hits are not counted).
  /** STS AssumeRole issued credentials tagged with the TenantID */
  'tenant-credentials': 'issued',
  // Authorizer: allowed and denied (403) verified callers.
  /** the route is one the token may use */
  permitted: 'allowed',
  /** the path names another tenant than the token's */
  'tenant-mismatch': 'denied',
  /** the route needs a role group the caller lacks */
  'group-required': 'denied',
  /** the route needs a higher tier than the tenant has */
  'tier-required': 'denied',
  /** no route rule covers the request */
  'unknown-route': 'denied',
  /** the path holds a dot, empty or encoded segment (never normalised) */
  'non-canonical-path': 'denied',
  /** the user's or token's pool is another tenant's silo pool, or a shared pool for a tenant with its own pool */
  'pool-mismatch': 'refused denied',
  // Authorizer: unauthorized (401), the token is missing or not valid for this API.
  /** not a REST TOKEN/REQUEST or HTTP API 2.0 authorizer event */
  'unsupported-event': 'unauthorized',
  /** methodArn/routeArn is not an execute-api ARN */
  'malformed-method-arn': 'unauthorized',
  /** no single `Bearer <jwt>` Authorization header */
  'malformed-authorization-header': 'unauthorized',
  /** the token has expired */
  expired: 'unauthorized',
  /** the token is not valid yet (nbf) */
  'not-yet-valid': 'unauthorized',
  /** the token was issued by a pool the API does not trust */
  'wrong-issuer': 'unauthorized',
  /** the token was issued to an app client the API does not trust */
  'wrong-client': 'unauthorized',
  /** an ID token where an access token is expected, or the reverse */
  'wrong-token-use': 'unauthorized',
  /** the token is not signed with RS256 */
  'unsupported-algorithm': 'unauthorized',
  /** the signature does not verify */
  'bad-signature': 'unauthorized',
  /** the token's key id is not in the pool's JWKS */
  'unknown-key': 'unauthorized',
  /** the token is not a well-formed JWT */
  'malformed-jwt': 'unauthorized',
  /** the pool's JWKS could not be fetched */
  'jwks-unavailable': 'unauthorized',
  /** the token failed verification for another reason */
  'verification-failed': 'unauthorized',
  /** the token has no usable sub */
  'missing-sub-claim': 'unauthorized',
  /** the token has no usable exp */
  'missing-exp-claim': 'unauthorized',
  /** the token has no usable iss */
  'missing-iss-claim': 'unauthorized',
  /** the token has no claims version claim (issued without this suite) */
  'missing-claims-version': 'unauthorized',
  /** the claims version is malformed, or neither the current one nor the previous one inside a rename window */
  'unknown-claims-version': 'unauthorized',
  /** the token has no tenantId claim (issued without this suite) */
  'missing-tenant-claim': 'unauthorized',
  /** the tenantId claim is not a well-formed tenant id */
  'invalid-tenant-claim': 'unauthorized',
  /** the token has no usable tier claim */
  'missing-tier-claim': 'unauthorized',
  /** cognito:groups is not a list of group names */
  'invalid-groups-claim': 'unauthorized',
  // Cedar policy decisions (shared/cedar/decide.ts).
  /** a Cedar policy permits the action and none forbids it */
  'policy-permit': 'allowed',
  /** a Cedar forbid policy matched */
  'policy-forbid': 'denied',
  /** no Cedar policy permits the action (Cedar's default deny) */
  'no-policy-permits': 'denied',
  // Faults: the decision could not be made (fail closed).
  /** the tenant registry could not be read or written */
  'registry-unavailable': 'failed unauthorized',
  /** a Cognito call failed */
  'directory-unavailable': 'failed',
  /** the trigger's time budget ran out (Cognito retries) */
  'deadline-exceeded': 'failed',
  /** STS did not issue tenant-scoped credentials (the request fails closed) */
  'credentials-unavailable': 'failed',
  /** the caller's tenant has no policy store */
  'policy-store-missing': 'failed',
  /** the Cedar engine (embedded or Verified Permissions) could not decide */
  'policy-engine-error': 'failed',
  /** an unexpected error (a bug or an unmapped failure) */
  'internal-error': 'failed unauthorized',
  // Operator changes recorded in the audit trail.
  /** an operator made the change with the tenants CLI */
  'operator-request': 'changed',
  /** a tenant admin made the change through the API, in the admin's own tenant */
  'tenant-admin-request': 'changed',
  /** the user made the change (switching the active tenant) */
  'user-request': 'changed',
  /** `tenants migrate` rewrote items an earlier version wrote */
  'registry-upgrade': 'changed',
} as const satisfies Record<string, string>;

/** One of the keys of `REASON_CODES`. */
export type ReasonCode = keyof typeof REASON_CODES;

/** Whether `value` is a reason code (for values read back from logs or the registry). */
export function isReasonCode(value: unknown): value is ReasonCode {
  return typeof value === 'string' && Object.hasOwn(REASON_CODES, value);
}

/**
 * The reason code for an error that ended a decision: the one its class carries (`TenancyError.reasonCode`, in
 * errors.ts); anything else is `internal-error`.
 */
export function reasonOf(error: unknown): ReasonCode {
  return error instanceof TenancyError ? error.reasonCode : 'internal-error';
}

/** The tenant's tier an error carries (a full or inactive tenant), for the `tier` dimension. */
export function tierOf(error: unknown): string | undefined {
  return error instanceof SeatLimitError || error instanceof TenantInactiveError ? error.tier : undefined;
}

/** `refused` for a reason that is a decision about the user, `failed` for a fault. */
export function refusalOutcome(reason: ReasonCode): 'refused' | 'failed' {
  return (REASON_CODES[reason] as string).split(' ').includes('refused') ? 'refused' : 'failed';
}
