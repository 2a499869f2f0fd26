/**
 * @cognito-tenancy/tenant-context: the consumer side of cognito-tenancy's claims contract.
 * `tenantContext(event)` for Lambda backends behind the authorizer; `verifyTenantToken(token, options)` for
 * services that receive the token itself.
 */
export {
  type ClaimNames,
  DEFAULT_CLAIM_NAMES,
  isClaimsVersion,
  MAX_CLAIMS_VERSION,
  VERSION_TEXT_PATTERN,
} from './claims-contract.js';
export { type CognitoIssuer, cognitoIssuers, type IssuerForm, type UserPoolIssuers } from './cognito-issuers.js';
export {
  type CognitoJwtVerifier,
  type CognitoJwtVerifierOptions,
  createCognitoJwtVerifier,
} from './cognito-jwt-verifier.js';
export {
  type TenantContext,
  type TenantContextEvent,
  type TenantContextOptions,
  tenantContext,
} from './tenant-context.js';
export {
  TenantContextError,
  type TenantContextReason,
  TenantTokenError,
  type TenantTokenReason,
} from './tenant-context-error.js';
export {
  createTenantTokenVerifier,
  type TenantClaims,
  type TenantTokenOptions,
  type TenantTokenVerifier,
  verifyTenantToken,
} from './verify-tenant-token.js';
