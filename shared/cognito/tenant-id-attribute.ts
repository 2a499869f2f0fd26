/**
 * The Cognito user attribute that binds a user to a tenant. Only this suite writes it, with admin APIs, after
 * the registry membership exists; no app client may write it and no IdP attribute mapping may target it.
 */
export const TENANT_ID_ATTRIBUTE = 'custom:tenantId';
