import type { TenantCredentialSource } from '../credentials/tenant-credential-source';
import { IamAuthTokens } from './iam-auth-tokens';
import { LocalPasswords } from './local-passwords';
import type { PostgresConfig } from './postgres-config';
import { TenantPools } from './tenant-pools';

// RDS accepts an IAM token for 15 minutes; reusing one for 10 leaves 5 for a connection attempt under load.
const TOKEN_REUSE_SECONDS = 600;

/**
 * The tenant pools a configuration names: IAM tokens signed with `source` (the tenant-scoped credentials) on
 * AWS, derived passwords on the local stack (`postgresConfigFromEnv` allows those against 127.0.0.1 only).
 */
export function tenantPoolsFromConfig(
  config: PostgresConfig,
  source: TenantCredentialSource,
  onIdleError?: (tenantId: string, error: Error) => void,
): TenantPools {
  const passwords =
    config.auth.mode === 'iam'
      ? new IamAuthTokens({
          source,
          hostname: config.host,
          port: config.port,
          region: config.auth.region,
          cacheSize: config.maxTenants,
          reuseSeconds: TOKEN_REUSE_SECONDS,
        })
      : new LocalPasswords(config.auth.secret);
  return new TenantPools({ ...config, passwords, ...(onIdleError === undefined ? {} : { onIdleError }) });
}
