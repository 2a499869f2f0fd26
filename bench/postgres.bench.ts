/**
 * Tenant data in PostgreSQL, on a throw-away local server (local/postgres.ts):
 * - a warm tenant-scoped query (the tenant's own pool, its own role, row level security) against the same
 *   query on one plain pooled connection as a single role with `WHERE tenant_id = $1`, 50 tenants round robin;
 * - connections a container holds after serving 50 tenants, counted by the server.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startPostgres } from '../local/postgres';
import { migrate } from '../shared/operations/postgres-migrations';
import { provisionTenantRole } from '../shared/operations/tenant-database-role';
import { localTenantPassword } from '../shared/postgres/local-password';
import { LocalPasswords } from '../shared/postgres/local-passwords';
import { TenantPools } from '../shared/postgres/tenant-pools';
import { compare, report } from './measure';

const TENANTS = Array.from({ length: 50 }, (_, i) => `tenant-${String(i).padStart(2, '0')}`);
const ROWS_PER_TENANT = 20;
const SECRET = 'bench-local-secret-0123456789';

export default async function run(): Promise<void> {
  const server = await startPostgres();
  const connection = { host: server.host, port: server.port, database: server.database };
  const admin = new pg.Client({ ...connection, ...server.admin });
  await admin.connect();
  const plain = new pg.Pool({ ...connection, ...server.admin, max: 2, application_name: 'plain' });
  const pools = new TenantPools({
    ...connection,
    passwords: new LocalPasswords(SECRET),
    tls: false,
    maxTenants: 50,
    connectionsPerTenant: 2,
    idleSeconds: 300,
  });
  try {
    await migrate(admin);
    const ids = new Map<string, string[]>();
    for (const tenant of TENANTS) {
      await provisionTenantRole(admin, tenant, { kind: 'password', password: localTenantPassword(SECRET, tenant) });
      const tenantIds = Array.from({ length: ROWS_PER_TENANT }, () => randomUUID());
      ids.set(tenant, tenantIds);
      await admin.query(
        `INSERT INTO tenancy.documents (tenant_id, id, title, owner, content_type, size, created_at)
         SELECT $1, unnest($2::uuid[]), 'title', 'owner', 'text/plain', 1, now()`,
        [tenant, tenantIds],
      );
    }
    await admin.query('ANALYZE tenancy.documents');
    let i = 0;
    const next = () => {
      const tenant = TENANTS[i % TENANTS.length] ?? 'tenant-00';
      const id = ids.get(tenant)?.[i++ % ROWS_PER_TENANT] ?? '';
      return { tenant, id };
    };
    const results = await compare(
      {
        'plain pool, one role, WHERE tenant_id = $1': () => {
          const { tenant, id } = next();
          return plain.query('SELECT title FROM tenancy.documents WHERE tenant_id = $1 AND id = $2', [tenant, id]);
        },
        'tenant pool, tenant role, row level security': () => {
          const { tenant, id } = next();
          return pools.query(tenant, 'SELECT title FROM tenancy.documents WHERE id = $1', [id]);
        },
      },
      { batch: 200, rounds: 15, warmup: 3 },
    );
    console.log(
      report('warm point query, 50 tenants round robin', results, 'plain pool, one role, WHERE tenant_id = $1'),
    );
    const { rows } = await admin.query<{ application_name: string; n: number }>(
      `SELECT application_name, count(*)::int AS n FROM pg_stat_activity
        WHERE application_name IN ('cognito-tenancy', 'plain') GROUP BY application_name`,
    );
    const count = (name: string) => rows.find((row) => row.application_name === name)?.n ?? 0;
    console.log(
      `\n## connections of one container after 50 tenants (server's count)\n` +
        `tenant pools (50 tenants × at most 2)     ${String(count('cognito-tenancy')).padStart(4)}\n` +
        `plain pool (one role, at most 2)           ${String(count('plain')).padStart(4)}`,
    );
  } finally {
    await pools.end();
    await plain.end();
    await admin.end();
    await server.stop();
  }
}
