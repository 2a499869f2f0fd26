import { assertTenantId } from '../registry/tenant-id';
import type { DatabasePasswordSource } from './database-password-source';
import { localTenantPassword } from './local-password';

/**
 * The local stack's password source (`TENANCY_POSTGRES_AUTH=local-password`): the derived password of the
 * tenant's role. `postgresConfigFromEnv` accepts it only when the database host is a loopback address, so a
 * deployed function can never be switched from IAM tokens to passwords by a setting alone.
 */
export class LocalPasswords implements DatabasePasswordSource {
  constructor(private readonly secret: string) {}

  /** The tenant's derived password, after the same tenant id check the IAM source makes. */
  async passwordFor(tenantId: string): Promise<string> {
    assertTenantId(tenantId);
    return localTenantPassword(this.secret, tenantId);
  }
}
