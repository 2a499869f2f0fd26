import { createHmac } from 'node:crypto';

/**
 * The local stack's password of a tenant's database role: HMAC-SHA256 of the tenant id under a secret only the
 * local stack knows. `tenants db provision --local` sets it, `LocalPasswords` signs in with it; nothing stores a
 * password, and a tenant id alone (without the secret) gives none.
 */
export function localTenantPassword(secret: string, tenantId: string): string {
  return createHmac('sha256', secret).update(`cognito-tenancy postgres ${tenantId}`).digest('base64url');
}
