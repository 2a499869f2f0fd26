import { ConfigurationError } from '../runtime/errors';
import { type Env, readInteger, rejectUnknownSettings, requireString } from '../runtime/settings';
import { parseTiers, type Tiers } from './tiers';

/** Where the registry lives and which tiers exist. */
export interface RegistryConfig {
  readonly tableName: string;
  readonly tiers: Tiers;
  /** Days an audit item is kept (DynamoDB TTL); 0 keeps audit items for good. */
  readonly auditRetentionDays: number;
}

// DynamoDB's own rule for table names.
const TABLE_NAME = /^[\w.-]{3,255}$/;

/**
 * Reads `TENANCY_TABLE_NAME`, `TENANCY_TIERS` and `TENANCY_AUDIT_RETENTION_DAYS` (default 365, 0 to 36500);
 * throws `ConfigurationError` on anything unsafe. */
export function registryConfigFromEnv(env: Env): RegistryConfig {
  rejectUnknownSettings(env);
  const tableName = requireString(env, 'TENANCY_TABLE_NAME');
  if (!TABLE_NAME.test(tableName)) {
    throw new ConfigurationError(`"${tableName}" is not a valid DynamoDB table name`, 'TENANCY_TABLE_NAME');
  }
  return {
    tableName,
    tiers: parseTiers(env.TENANCY_TIERS),
    auditRetentionDays: readInteger(env, 'TENANCY_AUDIT_RETENTION_DAYS', 365, 0, 36_500),
  };
}
