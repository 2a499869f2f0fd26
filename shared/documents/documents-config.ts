import { type CredentialsConfig, credentialsConfigFromEnv } from '../credentials/credentials-config';
import { ConfigurationError } from '../runtime/errors';
import { type Env, requireString } from '../runtime/settings';

/** The sample documents service's configuration, read once at cold start. */
export interface DocumentsConfig {
  readonly credentials: CredentialsConfig;
  readonly tableName: string;
  readonly bucketName: string;
}

// S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Reads `TENANCY_DATA_TABLE_NAME`, `TENANCY_DATA_BUCKET_NAME` and the credentials settings. */
export function documentsConfigFromEnv(env: Env): DocumentsConfig {
  const credentials = credentialsConfigFromEnv(env);
  const tableName = requireString(env, 'TENANCY_DATA_TABLE_NAME');
  const bucketName = requireString(env, 'TENANCY_DATA_BUCKET_NAME');
  if (!BUCKET.test(bucketName)) throw new ConfigurationError('must be an S3 bucket name', 'TENANCY_DATA_BUCKET_NAME');
  return { credentials, tableName, bucketName };
}
