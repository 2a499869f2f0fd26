import { STSClient } from '@aws-sdk/client-sts';
import type { DecisionMetrics } from '../runtime/decision-metrics';
import type { ClientLimits } from '../runtime/dynamodb-client';
import type { Env } from '../runtime/settings';
import { AssumedRoleCredentials } from './assumed-role-credentials';
import type { CredentialsConfig } from './credentials-config';
import { StaticCredentials } from './static-credentials';
import type { TenantCredentialSource } from './tenant-credential-source';

/**
 * The credential source a configuration names: STS `AssumeRole` with the session tag, or (local stack only)
 * the static credentials of the function's environment.
 */
export function credentialSource(
  config: CredentialsConfig,
  env: Env,
  limits: ClientLimits,
  caller: string,
  metrics?: Pick<DecisionMetrics, 'record'>,
): TenantCredentialSource {
  if (config.mode === 'static-local') {
    return new StaticCredentials({
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'local',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'local',
    });
  }
  const sts = new STSClient({
    maxAttempts: limits.maxAttempts,
    requestHandler: { connectionTimeout: limits.connectionTimeoutMs, requestTimeout: limits.requestTimeoutMs },
  });
  return new AssumedRoleCredentials({ ...config, sts, caller, ...(metrics === undefined ? {} : { metrics }) });
}
