import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { type VerifiedTenantContext, verifiedTenantId } from './tenant-context';

/**
 * Where tenant-scoped credentials come from: STS with a session tag in AWS (`AssumedRoleCredentials`), the
 * emulators' static credentials on the local stack (`StaticCredentials`). Callers cannot tell them apart.
 */
export interface TenantCredentialSource {
  /** Credentials confined to `tenantId`, a tenant id the authorizer verified. */
  credentialsFor(tenantId: string): Promise<AwsCredentialIdentity>;
}

/**
 * Credentials for the tenant of a request, taken from the authorizer context only. The result can be given to
 * any SDK v3 client as `credentials`.
 */
export async function tenantCredentials(
  source: TenantCredentialSource,
  context: VerifiedTenantContext | undefined,
): Promise<AwsCredentialIdentity> {
  return source.credentialsFor(verifiedTenantId(context));
}
