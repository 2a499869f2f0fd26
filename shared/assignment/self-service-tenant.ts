import { createHash } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * The id of the tenant a self-service sign-up creates: `t-` and 20 base32 characters of
 * SHA-256(pool id, sub). Derived, not random, so a retried trigger finds the tenant its first run created
 * instead of leaving an empty one behind; non-guessable in practice because subs are random UUIDs that only
 * Cognito and the user know. Same shape as generated ids, so it is a valid tenant id everywhere.
 */
export function selfServiceTenantId(userPoolId: string, sub: string): string {
  const digest = createHash('sha256').update(`self-service\n${userPoolId}\n${sub}`).digest();
  let id = 't-';
  for (const byte of digest.subarray(0, 20)) id += ALPHABET[byte & 31];
  return id;
}
