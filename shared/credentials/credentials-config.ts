import { ConfigurationError } from '../runtime/errors';
import { type Env, readBoolean, readInteger, readString, rejectUnknownSettings } from '../runtime/settings';

/** How a function obtains tenant-scoped credentials (docs/credentials.md). */
export type CredentialsConfig =
  | {
      readonly mode: 'assume-role';
      /** The ABAC role every tenant session assumes (`TenantDataAccessRole`). */
      readonly roleArn: string;
      /** Session lifetime asked of STS, in seconds. */
      readonly durationSeconds: number;
      /** Credentials are renewed this many seconds before they expire. */
      readonly marginSeconds: number;
      /** Tenants whose credentials (and clients) a container keeps at most. */
      readonly cacheSize: number;
    }
  | {
      /** Local stack only: the emulators' static credentials, no STS (isolation is proven by the policy tests). */
      readonly mode: 'static-local';
      readonly cacheSize: number;
    };

// A role assumed with a Lambda's own role credentials is role chaining, which STS caps at one hour.
const MIN_DURATION = 900;
const MAX_DURATION = 3600;
// The SDK renews a client's credentials 5 minutes before they expire; a shorter margin would only make it ask
// the cache again on every call of those 5 minutes.
const DEFAULT_MARGIN = 300;
// Credentials handed out must outlive the request that signs with them (API Gateway ends a request after 30 s):
// a margin of 0 would hand out credentials that expire while the call they sign is still in flight.
const MIN_MARGIN = 60;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/;

/**
 * Reads the credentials settings once at cold start. Static local credentials are accepted only when every
 * data endpoint the functions use points at the loopback interface: a deployed function can never be
 * switched off STS (and so off tenant isolation) by a setting alone.
 */
export function credentialsConfigFromEnv(env: Env): CredentialsConfig {
  rejectUnknownSettings(env);
  const cacheSize = readInteger(env, 'TENANCY_CREDENTIALS_CACHE_SIZE', 1000, 1, 100_000);
  if (readBoolean(env, 'TENANCY_LOCAL_CREDENTIALS', false)) {
    for (const name of ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_S3'] as const) {
      if (!LOOPBACK.test(env[name] ?? '')) {
        throw new ConfigurationError(`static local credentials need ${name} on 127.0.0.1`, 'TENANCY_LOCAL_CREDENTIALS');
      }
    }
    return { mode: 'static-local', cacheSize };
  }
  const roleArn = readString(env, 'TENANCY_DATA_ROLE_ARN');
  if (roleArn === undefined || !ROLE_ARN.test(roleArn)) {
    throw new ConfigurationError('must be the ARN of the tenant data access role', 'TENANCY_DATA_ROLE_ARN');
  }
  const durationSeconds = readInteger(env, 'TENANCY_CREDENTIALS_SECONDS', MIN_DURATION, MIN_DURATION, MAX_DURATION);
  const marginSeconds = readInteger(
    env,
    'TENANCY_CREDENTIALS_MARGIN_SECONDS',
    Math.min(DEFAULT_MARGIN, durationSeconds - 60),
    MIN_MARGIN,
    durationSeconds - 60,
  );
  return { mode: 'assume-role', roleArn, durationSeconds, marginSeconds, cacheSize };
}
