import { checkDatabase } from '../../shared/operations/database-check';
import { migrate } from '../../shared/operations/postgres-migrations';
import { openTenantDatabaseAdmin, type TenantDatabaseAdmin } from '../../shared/operations/tenant-database-admin';
import { provisionTenantRole } from '../../shared/operations/tenant-database-role';
import { assertTenantId } from '../../shared/registry/tenant-id';
import { ConfigurationError } from '../../shared/runtime/errors';
import type { Env } from '../../shared/runtime/settings';
import { type CliCommand, positional } from '../command';

/** Runs `action` on the operator's database connection; PostgreSQL must be configured. */
async function withDatabase<T>(env: Env, action: (admin: TenantDatabaseAdmin) => Promise<T>): Promise<T> {
  const admin = await openTenantDatabaseAdmin(env);
  if (admin === undefined) {
    throw new ConfigurationError('PostgreSQL is not configured (docs/postgresql.md)', 'TENANCY_POSTGRES_HOST');
  }
  try {
    return await action(admin);
  } finally {
    await admin.end();
  }
}

/**
 * Provisions the database roles of `tenantIds` when PostgreSQL is configured (`create`, `import`); returns the
 * lines to print, none when it is not.
 */
export async function provisionIfConfigured(env: Env, tenantIds: readonly string[]): Promise<string[]> {
  if (env.TENANCY_POSTGRES_HOST === undefined || env.TENANCY_POSTGRES_HOST === '') return [];
  return withDatabase(env, async (admin) => {
    const lines: string[] = [];
    for (const tenantId of tenantIds) {
      const outcome = await provisionTenantRole(admin.client, tenantId, admin.roleAuth(tenantId));
      lines.push(`database role ${tenantId} ${outcome}`);
    }
    return lines;
  });
}

/** `db migrate`: applies the versioned migrations of postgres/migrations/ the database lacks. */
const dbMigrate: CliCommand = {
  name: 'db migrate',
  args: '',
  summary: 'apply the PostgreSQL migrations (roles, schema tenancy, tables with forced row level security)',
  prepare: () => ({
    run: async ({ env, print }) => {
      const applied = await withDatabase(env, (admin) => migrate(admin.client));
      print({ applied }, () => (applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`));
      return 0;
    },
  }),
};

/** `db provision`: the tenant's database role (LOGIN, member of tenancy_tenant; rds_iam on AWS), idempotent. */
const dbProvision: CliCommand = {
  name: 'db provision',
  args: '<tenantId>',
  summary: "create or repair a tenant's PostgreSQL role (the tenant must exist in the registry)",
  registry: 'read',
  prepare: (input) => {
    const tenantId = assertTenantId(positional(input, 0));
    return {
      run: async ({ env, registry, print }) => {
        await registry.requireTenant(tenantId);
        const outcome = await withDatabase(env, (admin) =>
          provisionTenantRole(admin.client, tenantId, admin.roleAuth(tenantId)),
        );
        print({ tenantId, outcome }, () => `database role ${tenantId} ${outcome}`);
        return 0;
      },
    };
  },
};

/** `db check`: table by table, RLS enabled and forced and a policy per command; no tenant role can get around it. */
const dbCheck: CliCommand = {
  name: 'db check',
  args: '',
  summary: 'verify row level security on every tenant table and that no tenant role owns or bypasses anything',
  prepare: () => ({
    run: async ({ env, print }) => {
      const check = await withDatabase(env, (admin) => checkDatabase(admin.client));
      print(check, () =>
        [
          ...check.tables.map(
            (table) =>
              `${table.table}: row level security ${table.rlsEnabled ? 'enabled' : 'OFF'}, ${table.rlsForced ? 'forced' : 'NOT forced'}, policies for ${table.commands.join(' ') || 'nothing'}`,
          ),
          `${check.tenantRoles} tenant role(s)`,
          ...check.findings.map((finding) => `FINDING ${finding}`),
          check.findings.length === 0 ? 'ok' : `${check.findings.length} finding(s)`,
        ].join('\n'),
      );
      return check.findings.length === 0 ? 0 : 1;
    },
  }),
};

export const databaseCommands: readonly CliCommand[] = [dbMigrate, dbProvision, dbCheck];
