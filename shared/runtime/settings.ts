import { ConfigurationError } from './errors';

/**
 * Every `TENANCY_*` environment variable the suite understands. Functions share one environment in
 * `serverless.yml`, so each validates the settings it uses and all of them reject names outside this list:
 * a misspelt security setting must stop the function at cold start, not be silently ignored.
 */
const KNOWN_SETTINGS = [
  'TENANCY_TABLE_NAME',
  'TENANCY_AUDIT_RETENTION_DAYS',
  'TENANCY_TIERS',
  'TENANCY_TENANT_ID_CLAIM',
  'TENANCY_TIER_CLAIM',
  // The claims contract: version claim, version, rename window (docs/claims.md "Claims contract").
  'TENANCY_VERSION_CLAIM',
  'TENANCY_CLAIMS_VERSION',
  'TENANCY_CLAIM_RENAMES',
  'TENANCY_CLAIM_RENAMES_UNTIL',
  'TENANCY_ROLE_GROUPS',
  'TENANCY_PLATFORM_GROUPS',
  'TENANCY_IDP_GROUPS_ATTRIBUTE',
  'TENANCY_CACHE_TTL_SECONDS',
  'TENANCY_STALE_TTL_SECONDS',
  'TENANCY_VERIFY_MEMBERSHIP',
  'TENANCY_MEMBER_ROLE',
  'TENANCY_ADMIN_ROLE',
  'TENANCY_SELF_SERVICE',
  'TENANCY_SELF_SERVICE_TIER',
  'TENANCY_AUTO_CONFIRM',
  'TENANCY_AUTO_VERIFY_EMAIL',
  'TENANCY_USER_POOL_IDS',
  'TENANCY_CLIENT_IDS',
  'TENANCY_TOKEN_USE',
  'TENANCY_JWKS_URI',
  'TENANCY_ISSUER_FORMS',
  'TENANCY_REPLICA_REGIONS',
  'TENANCY_ROUTES',
  'TENANCY_TIER_API_KEYS',
  'TENANCY_SIMPLE_RESPONSES',
  'TENANCY_TOKEN_MEMO_SIZE',
  // Tenant-scoped credentials and the sample documents service (docs/credentials.md).
  'TENANCY_DATA_ROLE_ARN',
  'TENANCY_CREDENTIALS_SECONDS',
  'TENANCY_CREDENTIALS_MARGIN_SECONDS',
  'TENANCY_CREDENTIALS_CACHE_SIZE',
  'TENANCY_LOCAL_CREDENTIALS',
  'TENANCY_DATA_TABLE_NAME',
  'TENANCY_DATA_BUCKET_NAME',
  'TENANCY_POLICY_ENGINE',
  'TENANCY_POLICY_CACHE_SECONDS',
  'TENANCY_API_TENANT_CHECK',
  // Tenant data in PostgreSQL (docs/postgresql.md).
  'TENANCY_DOCUMENTS_METADATA',
  'TENANCY_POSTGRES_HOST',
  'TENANCY_POSTGRES_PORT',
  'TENANCY_POSTGRES_DATABASE',
  'TENANCY_POSTGRES_AUTH',
  'TENANCY_POSTGRES_LOCAL_SECRET',
  'TENANCY_POSTGRES_MAX_TENANTS',
  'TENANCY_POSTGRES_CONNECTIONS_PER_TENANT',
  'TENANCY_POSTGRES_IDLE_SECONDS',
] as const;

export type SettingName = (typeof KNOWN_SETTINGS)[number];
export type Env = Readonly<Record<string, string | undefined>>;

/** Throws when `env` holds a `TENANCY_*` variable that is not a known setting (most likely a typo). */
export function rejectUnknownSettings(env: Env): void {
  for (const name of Object.keys(env)) {
    if (name.startsWith('TENANCY_') && !(KNOWN_SETTINGS as readonly string[]).includes(name)) {
      throw new ConfigurationError('unknown setting (check the spelling against docs/configuration.md)', name);
    }
  }
}

/** A setting's trimmed value, or `undefined` when unset or blank. */
export function readString(env: Env, name: SettingName): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** A required setting; `ConfigurationError` when unset. */
export function requireString(env: Env, name: SettingName): string {
  const value = readString(env, name);
  if (value === undefined) throw new ConfigurationError('is required', name);
  return value;
}

/** A boolean setting: exactly `true` or `false`; anything else is rejected rather than guessed. */
export function readBoolean(env: Env, name: SettingName, fallback: boolean): boolean {
  const value = readString(env, name);
  if (value === undefined) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigurationError(`must be "true" or "false", got "${value}"`, name);
}

/** An integer setting within [min, max]. */
export function readInteger(env: Env, name: SettingName, fallback: number, min: number, max: number): number {
  const value = readString(env, name);
  if (value === undefined) return fallback;
  const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigurationError(`must be an integer from ${min} to ${max}, got "${value}"`, name);
  }
  return parsed;
}

/** A comma-separated list setting (blank entries dropped). */
export function readList(env: Env, name: SettingName, fallback: readonly string[]): string[] {
  const value = readString(env, name);
  if (value === undefined) return [...fallback];
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
