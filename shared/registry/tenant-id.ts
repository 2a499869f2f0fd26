import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../runtime/errors';

/**
 * Tenant ids are lowercase letters, digits and inner hyphens, 3–63 characters. That set is valid in an IAM
 * session-tag value, an S3 key prefix, a DynamoDB key and a URL path segment without escaping.
 */
const TENANT_ID = /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/;
/**
 * The tag key that carries a tenant id to IAM: the STS session tag on tenant-scoped credentials and the resource
 * tag on a tenant's AVP policy store. IAM policies match the two as `${aws:PrincipalTag/TenantID}` against
 * `aws:ResourceTag/TenantID` or an S3 key prefix (docs/cedar.md "Choosing the engine"), so one constant names both.
 */
export const TENANT_TAG = 'TenantID';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** Whether `value` is a well-formed tenant id. */
export function isValidTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID.test(value);
}

/** Returns `value` when it is a well-formed tenant id; throws `InvalidInputError` otherwise. */
export function assertTenantId(value: unknown): string {
  if (!isValidTenantId(value)) {
    throw new InvalidInputError(
      `invalid tenant id ${JSON.stringify(value)}: use 3-63 lowercase letters, digits or inner hyphens`,
      'tenantId',
    );
  }
  return value;
}

/** A new non-guessable tenant id: `t-` and 20 base32 characters (100 random bits). */
export function generateTenantId(): string {
  const bytes = randomBytes(20);
  let id = 't-';
  for (const byte of bytes) id += ALPHABET[byte & 31];
  return id;
}
