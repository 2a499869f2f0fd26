import { ConfigurationError } from '../runtime/errors';
import { type Env, readInteger, readString, rejectUnknownSettings, requireString } from '../runtime/settings';

/** How tenant roles sign in: IAM tokens (AWS), or derived passwords (local stack, loopback only). */
export type PostgresAuth =
  | { readonly mode: 'iam'; readonly region: string }
  | { readonly mode: 'local-password'; readonly secret: string };

/** A PostgreSQL database the tenant roles connect to (docs/postgresql.md), read once at cold start. */
export interface PostgresConfig {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly auth: PostgresAuth;
  /** TLS with the server certificate verified: always against AWS, never needed on the loopback interface. */
  readonly tls: boolean;
  /** Tenants whose pool a container keeps at most; the least recently used pool is ended first. */
  readonly maxTenants: number;
  /** Connections one tenant's pool opens at most. */
  readonly connectionsPerTenant: number;
  /** An idle connection is closed after this many seconds. */
  readonly idleSeconds: number;
}

const HOST = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const DATABASE = /^[a-z_][a-z0-9_]{0,62}$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost']);
const MIN_SECRET_LENGTH = 16;

/**
 * Reads the PostgreSQL settings; `undefined` when `TENANCY_POSTGRES_HOST` is unset (the store is not used).
 * `local-password` is refused unless the host is the loopback interface, and IAM tokens always travel over TLS.
 */
export function postgresConfigFromEnv(env: Env): PostgresConfig | undefined {
  rejectUnknownSettings(env);
  const host = readString(env, 'TENANCY_POSTGRES_HOST');
  if (host === undefined) return undefined;
  if (!HOST.test(host)) throw new ConfigurationError('must be a host name or IPv4 address', 'TENANCY_POSTGRES_HOST');
  const database = requireString(env, 'TENANCY_POSTGRES_DATABASE');
  if (!DATABASE.test(database)) {
    throw new ConfigurationError('must be a lowercase PostgreSQL identifier', 'TENANCY_POSTGRES_DATABASE');
  }
  const port = readInteger(env, 'TENANCY_POSTGRES_PORT', 5432, 1, 65_535);
  const mode = readString(env, 'TENANCY_POSTGRES_AUTH') ?? 'iam';
  let auth: PostgresAuth;
  if (mode === 'local-password') {
    if (!LOOPBACK.has(host)) {
      throw new ConfigurationError('local passwords are accepted only against 127.0.0.1', 'TENANCY_POSTGRES_AUTH');
    }
    const secret = requireString(env, 'TENANCY_POSTGRES_LOCAL_SECRET');
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new ConfigurationError(`must be at least ${MIN_SECRET_LENGTH} characters`, 'TENANCY_POSTGRES_LOCAL_SECRET');
    }
    auth = { mode, secret };
  } else if (mode === 'iam') {
    const region = env.AWS_REGION;
    if (region === undefined || region === '') throw new ConfigurationError('IAM tokens need AWS_REGION', 'AWS_REGION');
    auth = { mode, region };
  } else {
    throw new ConfigurationError(`must be "iam" or "local-password", got "${mode}"`, 'TENANCY_POSTGRES_AUTH');
  }
  return {
    host,
    port,
    database,
    auth,
    tls: auth.mode === 'iam',
    maxTenants: readInteger(env, 'TENANCY_POSTGRES_MAX_TENANTS', 50, 1, 10_000),
    connectionsPerTenant: readInteger(env, 'TENANCY_POSTGRES_CONNECTIONS_PER_TENANT', 2, 1, 20),
    idleSeconds: readInteger(env, 'TENANCY_POSTGRES_IDLE_SECONDS', 60, 1, 3600),
  };
}
