import { ConfigurationError } from '../runtime/errors';
import { type Env, rejectUnknownSettings, requireString } from '../runtime/settings';
import { parseTiers, type Tiers } from './tiers';

/** Where the registry lives and which tiers exist. */
export interface RegistryConfig {
  readonly tableName: string;
  readonly tiers: Tiers;
}

// DynamoDB's own rule for table names.
const TABLE_NAME = /^[\w.-]{3,255}$/;

/** Reads `TENANCY_TABLE_NAME` and `TENANCY_TIERS`; throws `ConfigurationError` on anything unsafe. */
export function registryConfigFromEnv(env: Env): RegistryConfig {
  rejectUnknownSettings(env);
  const tableName = requireString(env, 'TENANCY_TABLE_NAME');
  if (!TABLE_NAME.test(tableName)) {
    throw new ConfigurationError(`"${tableName}" is not a valid DynamoDB table name`, 'TENANCY_TABLE_NAME');
  }
  return { tableName, tiers: parseTiers(env.TENANCY_TIERS) };
}
