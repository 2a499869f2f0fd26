/** Why a request's tenant context was refused. */
export type TenantContextReason =
  /** The event carries no authorizer context at all: the route is not behind the authorizer. */
  | 'missing-context'
  /** A context is there but a value is missing or ill-formed (tampered with, or another authorizer's). */
  | 'invalid-context'
  /** The context's claims version is not one the caller accepts. */
  | 'unsupported-version';

/**
 * A request whose authorizer context cannot be trusted. The message is safe to log and never holds a value from
 * the event; answer the request 403 (or 401), never with a default tenant.
 */
export class TenantContextError extends Error {
  override readonly name = 'TenantContextError';

  constructor(
    readonly reason: TenantContextReason,
    /** The context key at fault (`tenantId`, `claimsVersion`…), or `requestContext.authorizer`. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Why a token was refused by `verifyTenantToken`. */
export type TenantTokenReason =
  /** Signature, issuer, audience/client, token use or lifetime failed (aws-jwt-verify's error is the `cause`). */
  | 'invalid-token'
  /** The JWKS could not be fetched: retry later, never accept. */
  | 'jwks-unavailable'
  /** Signed and current, but its tenant claims do not follow the contract. */
  | 'invalid-claims'
  /** Its claims version is not one the caller accepts. */
  | 'unsupported-version';

/** A token refused by `verifyTenantToken`; the message never holds the token or a claim value. */
export class TenantTokenError extends Error {
  override readonly name = 'TenantTokenError';

  constructor(
    readonly reason: TenantTokenReason,
    /** The claim at fault, when one is. */
    readonly claim: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
