import type { AwsCredentialIdentity } from '@aws-sdk/types';

/**
 * Where tenant-scoped credentials come from: STS with a session tag in AWS (`AssumedRoleCredentials`), the
 * emulators' static credentials on the local stack (`StaticCredentials`). Callers cannot tell them apart.
 */
export interface TenantCredentialSource {
  /** Credentials confined to `tenantId`, a tenant id the authorizer verified. */
  credentialsFor(tenantId: string): Promise<AwsCredentialIdentity>;
}
