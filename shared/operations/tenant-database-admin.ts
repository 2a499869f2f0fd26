import pg from 'pg';
import { localTenantPassword } from '../postgres/local-password';
import { type PostgresConfig, postgresConfigFromEnv } from '../postgres/postgres-config';
import { ConfigurationError } from '../runtime/errors';
import type { Env } from '../runtime/settings';
import type { TenantRoleAuth } from './tenant-database-role';

/** The operator's connection to the tenant database, and how tenant roles sign in there. */
export interface TenantDatabaseAdmin {
  readonly client: pg.Client;
  readonly config: PostgresConfig;
  /** The sign-in method a tenant's role gets: IAM (`rds_iam`), or the local stack's derived password. */
  roleAuth(tenantId: string): TenantRoleAuth;
  end(): Promise<void>;
}

/**
 * Opens the operator's connection to the database the functions use (`TENANCY_POSTGRES_HOST`, `_PORT`,
 * `_DATABASE`, as validated for them), signed in with the standard `PGUSER`/`PGPASSWORD` (the cluster's master
 * user on RDS, the harness's superuser locally), over verified TLS unless on 127.0.0.1. `undefined` when
 * PostgreSQL is not configured.
 */
export async function openTenantDatabaseAdmin(env: Env): Promise<TenantDatabaseAdmin | undefined> {
  const config = postgresConfigFromEnv(env);
  if (config === undefined) return undefined;
  if (env.PGUSER === undefined || env.PGUSER === '') {
    throw new ConfigurationError('the operator signs in as PGUSER (with PGPASSWORD): set both', 'PGUSER');
  }
  const client = new pg.Client({
    host: config.host,
    port: config.port,
    database: config.database,
    user: env.PGUSER,
    ...(env.PGPASSWORD === undefined ? {} : { password: env.PGPASSWORD }),
    ssl: config.tls ? { rejectUnauthorized: true } : false,
    application_name: 'cognito-tenancy-operator',
  });
  await client.connect();
  const auth = config.auth;
  return {
    client,
    config,
    roleAuth: (tenantId) =>
      auth.mode === 'iam'
        ? { kind: 'iam' }
        : { kind: 'password', password: localTenantPassword(auth.secret, tenantId) },
    end: () => client.end(),
  };
}
