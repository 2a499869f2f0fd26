/**
 * Where a tenant's database password comes from: an IAM authentication token signed with the tenant-scoped
 * credentials on RDS/Aurora (`IamAuthTokens`), a derived password on the local stack (`LocalPasswords`). The
 * pools ask it for every new connection and cannot tell the two apart.
 */
export interface DatabasePasswordSource {
  /** The password that signs `tenantId`'s database role in, a tenant id the authorizer verified. */
  passwordFor(tenantId: string): Promise<string>;
}
