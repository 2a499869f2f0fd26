/**
 * Claims Cognito never lets a trigger add, override or suppress (ARCHITECTURE.md "Platform facts").
 * Configuration naming one of them is rejected at cold start.
 */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'acr',
  'amr',
  'aud',
  'at_hash',
  'auth_time',
  'azp',
  'cognito:username',
  'exp',
  'iat',
  'identities',
  'iss',
  'jti',
  'nbf',
  'nonce',
  'origin_jti',
  'sub',
  'token_use',
  'client_id',
  'event_id',
  'device_key',
  'version',
  'username',
  'scope',
]);

/** Whether a claim is reserved: in the list, or any `cognito:*` claim (groups and roles go through overrides). */
export function isReservedClaim(name: string): boolean {
  return RESERVED_CLAIMS.has(name) || name.startsWith('cognito:');
}
