import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { assertTenantId } from '../registry/tenant-id';
import type { TenantCredentialSource } from './tenant-credential-source';

/**
 * The local stack's source: the same static credentials for every tenant, because the emulators cannot honour
 * `AssumeRole` or session tags. Locally, tenant isolation is proven by the policy tests, not by the emulators
 * (docs/credentials.md "Limits": locally); `credentialsConfigFromEnv` allows this source only
 * against loopback endpoints.
 */
export class StaticCredentials implements TenantCredentialSource {
  constructor(private readonly credentials: AwsCredentialIdentity) {}

  /** The static credentials, after the same tenant id check the STS source makes. */
  async credentialsFor(tenantId: string): Promise<AwsCredentialIdentity> {
    assertTenantId(tenantId);
    return this.credentials;
  }
}
