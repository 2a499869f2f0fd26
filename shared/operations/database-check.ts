import { OWNER_ROLE, TENANCY_SCHEMA, TENANT_GROUP } from './postgres-migrations';
import type { SqlClient } from './sql-client';

/** What `tenants db check` found about one tenant table. */
export interface TableReport {
  readonly table: string;
  readonly rlsEnabled: boolean;
  readonly rlsForced: boolean;
  /** Commands (SELECT, INSERT, UPDATE, DELETE) with a policy for tenant roles. */
  readonly commands: readonly string[];
}

/** The outcome of `tenants db check`: one report per table and every finding (none means isolation holds). */
export interface DatabaseCheck {
  readonly tables: readonly TableReport[];
  readonly tenantRoles: number;
  readonly findings: readonly string[];
}

const COMMANDS = [
  { name: 'SELECT', code: 'r', using: true, check: false },
  { name: 'INSERT', code: 'a', using: false, check: true },
  { name: 'UPDATE', code: 'w', using: true, check: true },
  { name: 'DELETE', code: 'd', using: true, check: false },
] as const;

// Privileges that pass around row level security: TRUNCATE empties a table whatever the policies say,
// REFERENCES and TRIGGER let a role observe or act on rows it cannot select.
const BYPASSING_PRIVILEGES = ['TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;

interface TableRow extends Record<string, unknown> {
  table: string;
  rls_enabled: boolean;
  rls_forced: boolean;
  owner: string;
  owner_bypasses: boolean;
  has_tenant_id: boolean;
}

interface PolicyRow extends Record<string, unknown> {
  table: string;
  name: string;
  cmd: string;
  has_using: boolean;
  has_check: boolean;
  permissive: boolean;
}

interface RoleRow extends Record<string, unknown> {
  role: string;
  superuser: boolean;
  bypassrls: boolean;
  createrole: boolean;
  createdb: boolean;
  replication: boolean;
}

/**
 * Checks, table by table, that every table in the `tenancy` schema (but the migrations ledger) has `tenant_id`,
 * row level security enabled and forced, an owner that cannot bypass it, and a permissive policy for tenant
 * roles on each command with the clauses that command takes; and that no tenant role (member of
 * `tenancy_tenant`) has an attribute, an ownership, a membership or a privilege that passes around the
 * policies, nor a view or SECURITY DEFINER function it can use that runs as a role that bypasses them.
 */
export async function checkDatabase(client: SqlClient): Promise<DatabaseCheck> {
  const findings: string[] = [];
  const { rows: tables } = await client.query<TableRow>(
    `SELECT c.relname AS table, c.relrowsecurity AS rls_enabled, c.relforcerowsecurity AS rls_forced,
            o.rolname AS owner, (o.rolsuper OR o.rolbypassrls) AS owner_bypasses,
            EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS has_tenant_id
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles o ON o.oid = c.relowner
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations'
      ORDER BY c.relname`,
    [TENANCY_SCHEMA],
  );
  const { rows: policies } = await client.query<PolicyRow>(
    `SELECT c.relname AS table, p.polname AS name, p.polcmd AS cmd, p.polqual IS NOT NULL AS has_using,
            p.polwithcheck IS NOT NULL AS has_check, p.polpermissive AS permissive
       FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND (p.polroles @> ARRAY[0::oid] OR p.polroles @> ARRAY[(SELECT oid FROM pg_roles WHERE rolname = $2)])`,
    [TENANCY_SCHEMA, TENANT_GROUP],
  );
  const reports: TableReport[] = [];
  for (const table of tables) {
    const name = table.table;
    if (!table.has_tenant_id) findings.push(`${name}: has no tenant_id column`);
    if (!table.rls_enabled) findings.push(`${name}: row level security is not enabled`);
    if (!table.rls_forced) findings.push(`${name}: row level security is not forced (its owner bypasses the policies)`);
    if (table.owner_bypasses)
      findings.push(`${name}: owned by ${table.owner}, a role that bypasses row level security`);
    const commands: string[] = [];
    for (const command of COMMANDS) {
      const applying = policies.filter(
        (p) => p.table === name && p.permissive && (p.cmd === command.code || p.cmd === '*'),
      );
      if (applying.length === 0) {
        findings.push(`${name}: no policy for ${command.name}`);
        continue;
      }
      commands.push(command.name);
      for (const policy of applying) {
        if (command.using && !policy.has_using)
          findings.push(`${name}: policy ${policy.name} has no USING for ${command.name}`);
        if (command.check && !policy.has_check && !(command.using && policy.has_using && policy.cmd === '*')) {
          findings.push(`${name}: policy ${policy.name} has no WITH CHECK for ${command.name}`);
        }
      }
    }
    reports.push({ table: name, rlsEnabled: table.rls_enabled, rlsForced: table.rls_forced, commands });
  }

  const { rows: roles } = await client.query<RoleRow>(
    `SELECT r.rolname AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypassrls, r.rolcreaterole AS createrole,
            r.rolcreatedb AS createdb, r.rolreplication AS replication
       FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid
      WHERE g.rolname = $1 ORDER BY r.rolname`,
    [TENANT_GROUP],
  );
  for (const role of roles) {
    const name = role.role;
    for (const attribute of ['superuser', 'bypassrls', 'createrole', 'createdb', 'replication'] as const) {
      if (role[attribute]) findings.push(`role ${name}: has ${attribute.toUpperCase()}`);
    }
  }
  const tenantRoles = `(SELECT r.oid FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid
                          JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = '${TENANT_GROUP}')`;
  const { rows: owned } = await client.query<{ role: string; object: string }>(
    `SELECT pg_get_userbyid(relowner) AS role, 'relation ' || relnamespace::regnamespace || '.' || relname AS object
       FROM pg_class WHERE relowner IN ${tenantRoles}
     UNION ALL SELECT pg_get_userbyid(nspowner), 'schema ' || nspname FROM pg_namespace WHERE nspowner IN ${tenantRoles}
     UNION ALL SELECT pg_get_userbyid(proowner), 'function ' || oid::regprocedure FROM pg_proc WHERE proowner IN ${tenantRoles}
     UNION ALL SELECT pg_get_userbyid(datdba), 'database ' || datname FROM pg_database WHERE datdba IN ${tenantRoles}
     ORDER BY 1, 2`,
  );
  for (const row of owned) findings.push(`role ${row.role}: owns ${row.object}`);
  const { rows: memberships } = await client.query<{ role: string; granted: string }>(
    `SELECT pg_get_userbyid(m.member) AS role, pg_get_userbyid(m.roleid) AS granted
       FROM pg_auth_members m
      WHERE m.member IN ${tenantRoles} AND pg_get_userbyid(m.roleid) NOT IN ('${TENANT_GROUP}', 'rds_iam')
      ORDER BY 1, 2`,
  );
  for (const row of memberships) findings.push(`role ${row.role}: is a member of ${row.granted} (SET ROLE reaches it)`);
  const { rows: members } = await client.query<{ role: string; granted: string }>(
    `SELECT pg_get_userbyid(m.member) AS role, pg_get_userbyid(m.roleid) AS granted
       FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
      WHERE m.roleid IN ${tenantRoles} ORDER BY 1, 2`,
  );
  for (const row of members) findings.push(`role ${row.granted}: is granted to ${row.role}`);
  const { rows: privileges } = await client.query<{ role: string; table: string; privilege: string }>(
    `SELECT r.rolname AS role, c.relname AS table, p.privilege
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN (SELECT rolname, oid FROM pg_roles WHERE rolname = $2 OR oid IN ${tenantRoles}) r
       CROSS JOIN unnest($3::text[]) AS p(privilege)
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm') AND has_table_privilege(r.oid, c.oid, p.privilege)
      ORDER BY 1, 2, 3`,
    [TENANCY_SCHEMA, TENANT_GROUP, BYPASSING_PRIVILEGES],
  );
  for (const row of privileges) findings.push(`role ${row.role}: has ${row.privilege} on ${row.table}`);
  const { rows: ledger } = await client.query<{ readable: boolean }>(
    `SELECT has_table_privilege($2, format('%I.schema_migrations', $1::text), 'SELECT,INSERT,UPDATE,DELETE') AS readable`,
    [TENANCY_SCHEMA, TENANT_GROUP],
  );
  if (ledger[0]?.readable === true) findings.push(`schema_migrations: ${TENANT_GROUP} has privileges on it`);
  const { rows: definers } = await client.query<{ object: string }>(
    `SELECT 'view ' || c.relname AS object
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles o ON o.oid = c.relowner
      WHERE n.nspname = $1 AND c.relkind IN ('v', 'm') AND (o.rolsuper OR o.rolbypassrls)
        AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)
        AND has_table_privilege($2, c.oid, 'SELECT')
     UNION ALL
     SELECT 'function ' || p.oid::regprocedure
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_roles o ON o.oid = p.proowner
      WHERE n.nspname = $1 AND p.prosecdef AND (o.rolsuper OR o.rolbypassrls)
        AND has_function_privilege($2, p.oid, 'EXECUTE')
      ORDER BY 1`,
    [TENANCY_SCHEMA, TENANT_GROUP],
  );
  for (const row of definers)
    findings.push(`${row.object}: runs as a role that bypasses row level security and tenants can use it`);
  const { rows: group } = await client.query<{ role: string; bypasses: boolean }>(
    `SELECT rolname AS role, rolsuper OR rolbypassrls AS bypasses FROM pg_roles WHERE rolname IN ($1, $2) ORDER BY 1`,
    [OWNER_ROLE, TENANT_GROUP],
  );
  for (const row of group) if (row.bypasses) findings.push(`role ${row.role}: bypasses row level security`);
  if (group.length < 2) findings.push(`roles ${OWNER_ROLE} and ${TENANT_GROUP} are missing: run tenants db migrate`);
  return { tables: reports, tenantRoles: roles.length, findings };
}
