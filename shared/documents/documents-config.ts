import { type CredentialsConfig, credentialsConfigFromEnv } from '../credentials/credentials-config';
import { type PostgresConfig, postgresConfigFromEnv } from '../postgres/postgres-config';
import { ConfigurationError } from '../runtime/errors';
import { type Env, readString, requireString } from '../runtime/settings';

/** Where document metadata lives: the tenant data table, or PostgreSQL under row level security. */
export type MetadataConfig =
  | { readonly store: 'dynamodb' }
  | { readonly store: 'postgres'; readonly postgres: PostgresConfig };

/** The sample documents service's configuration, read once at cold start. */
export interface DocumentsConfig {
  readonly credentials: CredentialsConfig;
  readonly tableName: string;
  readonly bucketName: string;
  readonly metadata: MetadataConfig;
}

// S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Reads `TENANCY_DATA_TABLE_NAME`, `TENANCY_DATA_BUCKET_NAME`, the credentials settings and
 * `TENANCY_DOCUMENTS_METADATA` (`dynamodb`, the default, or `postgres`, which needs the PostgreSQL settings).
 */
export function documentsConfigFromEnv(env: Env): DocumentsConfig {
  const credentials = credentialsConfigFromEnv(env);
  const tableName = requireString(env, 'TENANCY_DATA_TABLE_NAME');
  const bucketName = requireString(env, 'TENANCY_DATA_BUCKET_NAME');
  if (!BUCKET.test(bucketName)) throw new ConfigurationError('must be an S3 bucket name', 'TENANCY_DATA_BUCKET_NAME');
  const postgres = postgresConfigFromEnv(env);
  const store = readString(env, 'TENANCY_DOCUMENTS_METADATA') ?? (postgres === undefined ? 'dynamodb' : 'postgres');
  let metadata: MetadataConfig;
  if (store === 'dynamodb') metadata = { store };
  else if (store === 'postgres' && postgres !== undefined) metadata = { store, postgres };
  else if (store === 'postgres')
    throw new ConfigurationError('needs TENANCY_POSTGRES_HOST', 'TENANCY_DOCUMENTS_METADATA');
  else throw new ConfigurationError(`must be "dynamodb" or "postgres", got "${store}"`, 'TENANCY_DOCUMENTS_METADATA');
  return { credentials, tableName, bucketName, metadata };
}
