import pg from 'pg';
import { assertTenantId } from '../registry/tenant-id';
import { TenancyError } from '../runtime/errors';
import { TENANT_GROUP } from './postgres-migrations';
import type { SqlClient } from './sql-client';

/**
 * How the tenant's role signs in: IAM database authentication on RDS/Aurora (`GRANT rds_iam`, no password), or
 * (local stack only) the password the local signer derives for the tenant.
 */
export type TenantRoleAuth = { readonly kind: 'iam' } | { readonly kind: 'password'; readonly password: string };

/** A role with the tenant's name exists and is not a tenant role: provisioning never takes it over. */
export class DatabaseRoleConflictError extends TenancyError {
  override name = 'DatabaseRoleConflictError';
  constructor(readonly tenantId: string) {
    super(
      `database role "${tenantId}" exists and is not a tenant role (not a member of ${TENANT_GROUP}): refusing to change it`,
    );
  }
}

// Every attribute a tenant role could use to step around the policies, switched off explicitly.
const ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT';

/**
 * Creates (or re-asserts) the tenant's database role: named after the tenant id, the name IAM's
 * `rds-db:connect` resource `dbuser:<cluster>/${aws:PrincipalTag/TenantID}` admits; member of `tenancy_tenant`
 * only, so it gets the table grants and the policies and nothing else. Idempotent: running it again restores
 * the attributes and the sign-in method. Returns whether the role was created or already there.
 */
export async function provisionTenantRole(
  client: SqlClient,
  tenantId: string,
  auth: TenantRoleAuth,
): Promise<'created' | 'updated'> {
  assertTenantId(tenantId);
  const role = pg.escapeIdentifier(tenantId);
  const password = auth.kind === 'password' ? `PASSWORD ${pg.escapeLiteral(auth.password)}` : 'PASSWORD NULL';
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('cognito-tenancy roles'))`);
    const { rows } = await client.query<{ tenant: boolean }>(
      `SELECT pg_has_role(r.oid, '${TENANT_GROUP}', 'MEMBER') AND NOT r.rolname = '${TENANT_GROUP}' AS tenant
         FROM pg_roles r WHERE r.rolname = $1`,
      [tenantId],
    );
    const existing = rows[0];
    if (existing !== undefined && !existing.tenant) throw new DatabaseRoleConflictError(tenantId);
    if (existing === undefined) {
      await client.query(`CREATE ROLE ${role} ${ATTRIBUTES} ${password} IN ROLE ${TENANT_GROUP}`);
    } else {
      await client.query(`ALTER ROLE ${role} ${ATTRIBUTES} ${password}`);
    }
    if (auth.kind === 'iam') await client.query(`GRANT rds_iam TO ${role}`);
    await client.query('COMMIT');
    return existing === undefined ? 'created' : 'updated';
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
