import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDatabase } from '../../shared/operations/database-check';
import {
  type Migration,
  MigrationMismatchError,
  migrate,
  readMigrations,
} from '../../shared/operations/postgres-migrations';
import { DatabaseRoleConflictError, provisionTenantRole } from '../../shared/operations/tenant-database-role';
import { InvalidInputError } from '../../shared/runtime/errors';
import { startTenantDatabase, type TenantDatabase } from '../support/postgres';

// The operator's side of issue 20: migrations, tenant roles and `tenants db check`, on a real PostgreSQL.

describe('PostgreSQL operations: migrations, tenant roles, db check', () => {
  let db: TenantDatabase;

  beforeAll(async () => {
    db = await startTenantDatabase(['acme', 'globex']);
  });

  afterAll(async () => {
    await db?.stop();
  });

  /** A connection to a fresh, empty database of the same server. */
  async function freshDatabase(name: string): Promise<pg.Client[]> {
    await db.admin.query(`CREATE DATABASE ${name}`);
    const { host, port, admin } = db.server;
    const clients = [0, 1].map(() => new pg.Client({ host, port, database: name, ...admin }));
    for (const client of clients) await client.connect();
    return clients;
  }

  describe('migrate', () => {
    it('applies nothing the second time', async () => {
      // Act
      const again = await migrate(db.admin);

      // Assess
      expect(again).toEqual([]);
      const { rows } = await db.admin.query('SELECT version, name FROM tenancy.schema_migrations');
      expect(rows).toEqual([{ version: 1, name: 'documents' }]);
    });

    it('applies each migration once when two operators run it at the same time, owned by tenancy_owner', async () => {
      // Prepare
      const [first, second] = await freshDatabase('concurrent');
      if (first === undefined || second === undefined) throw new Error('two clients expected');

      try {
        // Act
        const results = await Promise.all([migrate(first), migrate(second)]);

        // Assess
        expect(results.flat()).toEqual(['0001_documents']);
        const { rows } = await first.query(
          `SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'tenancy.documents'::regclass`,
        );
        expect(rows).toEqual([{ owner: 'tenancy_owner' }]);
      } finally {
        await Promise.all([first.end(), second.end()]);
        await db.admin.query('DROP DATABASE concurrent');
      }
    });

    it('refuses to run when an applied migration was edited', async () => {
      // Prepare
      const [edited] = readMigrations().map((m): Migration => ({ ...m, sql: `${m.sql}\n-- edited`, checksum: 'x' }));

      // Act
      const run = migrate(db.admin, edited === undefined ? [] : [edited]);

      // Assess
      await expect(run).rejects.toBeInstanceOf(MigrationMismatchError);
    });

    it('applies nothing when a pending migration fails', async () => {
      // Prepare
      const broken: Migration = {
        version: 2,
        name: 'broken',
        sql: 'CREATE TABLE tenancy.t (x int); SELECT * FROM nowhere',
        checksum: 'c',
      };

      // Act
      const run = migrate(db.admin, [...readMigrations(), broken]);

      // Assess
      await expect(run).rejects.toThrow('relation "nowhere" does not exist');
      const { rows } = await db.admin.query(
        `SELECT to_regclass('tenancy.t') AS t, count(*)::int AS n FROM tenancy.schema_migrations`,
      );
      expect(rows).toEqual([{ t: null, n: 1 }]);
    });

    it.each([
      [['0001_a.sql', '0003_b.sql'], 'migration 3 is out of sequence (expected 2)'],
      [['0001_a.sql', 'notes.txt'], 'migration file "notes.txt" must be named NNNN_name.sql'],
    ])('refuses a migrations folder holding %j', (files, message) => {
      // Prepare
      const folder = mkdtempSync(join(tmpdir(), 'tenancy-migrations-'));
      try {
        mkdirSync(folder, { recursive: true });
        for (const file of files) writeFileSync(join(folder, file), 'SELECT 1');

        // Act
        const read = () => readMigrations(folder);

        // Assess
        expect(read).toThrow(InvalidInputError);
        expect(read).toThrow(message);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    });
  });

  describe('provisionTenantRole', () => {
    it('creates a role once, then restores its attributes when run again', async () => {
      // Prepare
      const password = { kind: 'password', password: 'initech-password-1' } as const;
      const created = await provisionTenantRole(db.admin, 'initech', password);
      await db.admin.query('ALTER ROLE initech BYPASSRLS CREATEDB');

      // Act
      const again = await provisionTenantRole(db.admin, 'initech', password);

      // Assess
      expect([created, again]).toEqual(['created', 'updated']);
      const { rows } = await db.admin.query(
        `SELECT rolcanlogin, rolbypassrls, rolcreatedb, rolsuper FROM pg_roles WHERE rolname = 'initech'`,
      );
      expect(rows).toEqual([{ rolcanlogin: true, rolbypassrls: false, rolcreatedb: false, rolsuper: false }]);
      expect((await checkDatabase(db.admin)).findings).toEqual([]);
    });

    it('grants rds_iam and sets no password for IAM sign-in', async () => {
      // Prepare: the role RDS and Aurora define
      await db.admin.query('CREATE ROLE rds_iam');

      // Act
      await provisionTenantRole(db.admin, 'umbrella', { kind: 'iam' });

      // Assess
      const { rows } = await db.admin.query(
        `SELECT rolpassword IS NULL AS no_password, pg_has_role('umbrella', 'rds_iam', 'MEMBER') AS iam
           FROM pg_authid WHERE rolname = 'umbrella'`,
      );
      expect(rows).toEqual([{ no_password: true, iam: true }]);
      expect((await checkDatabase(db.admin)).findings).toEqual([]);
    });

    it('refuses to take over a role that is not a tenant role', async () => {
      // Prepare
      await db.admin.query('CREATE ROLE reporting LOGIN');

      // Act
      const run = provisionTenantRole(db.admin, 'reporting', { kind: 'password', password: 'p' });

      // Assess
      await expect(run).rejects.toBeInstanceOf(DatabaseRoleConflictError);
      const { rows } = await db.admin.query(`SELECT pg_has_role('reporting', 'tenancy_tenant', 'MEMBER') AS tenant`);
      expect(rows).toEqual([{ tenant: false }]);
    });

    it('refuses a malformed tenant id before any SQL', async () => {
      // Act
      const run = provisionTenantRole(db.admin, 'Robert"; DROP TABLE tenancy.documents; --', { kind: 'iam' });

      // Assess
      await expect(run).rejects.toBeInstanceOf(InvalidInputError);
    });
  });

  describe('checkDatabase', () => {
    it.each([
      [
        'a tenant role with BYPASSRLS',
        'ALTER ROLE acme BYPASSRLS',
        'ALTER ROLE acme NOBYPASSRLS',
        ['role acme: has BYPASSRLS'],
      ],
      [
        'a tenant role that can SET ROLE to another',
        'GRANT globex TO acme',
        'REVOKE globex FROM acme',
        ['role acme: is a member of globex (SET ROLE reaches it)', 'role globex: is granted to acme'],
      ],
      [
        'TRUNCATE granted to tenants',
        'GRANT TRUNCATE ON tenancy.documents TO tenancy_tenant',
        'REVOKE TRUNCATE ON tenancy.documents FROM tenancy_tenant',
        ['role tenancy_tenant: has TRUNCATE on documents', 'role acme: has TRUNCATE on documents'],
      ],
      [
        'a table owned by a tenant',
        'ALTER TABLE tenancy.documents OWNER TO acme',
        'ALTER TABLE tenancy.documents OWNER TO tenancy_owner',
        ['role acme: owns relation tenancy.documents'],
      ],
      [
        'row level security switched off',
        'ALTER TABLE tenancy.documents DISABLE ROW LEVEL SECURITY',
        'ALTER TABLE tenancy.documents ENABLE ROW LEVEL SECURITY',
        ['documents: row level security is not enabled'],
      ],
      [
        'a command without a policy',
        'DROP POLICY documents_delete ON tenancy.documents',
        'CREATE POLICY documents_delete ON tenancy.documents FOR DELETE TO tenancy_tenant USING (tenant_id = current_user)',
        ['documents: no policy for DELETE'],
      ],
      [
        'an UPDATE policy without WITH CHECK',
        `DROP POLICY documents_update ON tenancy.documents;
         CREATE POLICY documents_update ON tenancy.documents FOR UPDATE TO tenancy_tenant USING (tenant_id = current_user)`,
        `DROP POLICY documents_update ON tenancy.documents;
         CREATE POLICY documents_update ON tenancy.documents FOR UPDATE TO tenancy_tenant
           USING (tenant_id = current_user) WITH CHECK (tenant_id = current_user)`,
        ['documents: policy documents_update has no WITH CHECK for UPDATE'],
      ],
      [
        'a superuser’s view tenants can read',
        'CREATE VIEW tenancy.leak AS SELECT * FROM tenancy.documents; GRANT SELECT ON tenancy.leak TO tenancy_tenant',
        'DROP VIEW tenancy.leak',
        ['view leak: runs as a role that bypasses row level security and tenants can use it'],
      ],
      [
        'a superuser’s SECURITY DEFINER function tenants can run',
        `CREATE FUNCTION tenancy.leak() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT count(*) FROM tenancy.documents'`,
        'DROP FUNCTION tenancy.leak()',
        ['function tenancy.leak(): runs as a role that bypasses row level security and tenants can use it'],
      ],
      [
        'the migrations ledger readable by tenants',
        'GRANT SELECT ON tenancy.schema_migrations TO tenancy_tenant',
        'REVOKE SELECT ON tenancy.schema_migrations FROM tenancy_tenant',
        ['schema_migrations: tenancy_tenant has privileges on it'],
      ],
      [
        'an owner role that bypasses row level security',
        'ALTER ROLE tenancy_owner BYPASSRLS',
        'ALTER ROLE tenancy_owner NOBYPASSRLS',
        [
          'documents: owned by tenancy_owner, a role that bypasses row level security',
          'role tenancy_owner: bypasses row level security',
        ],
      ],
      [
        'a table without tenant_id, row level security or policies',
        'CREATE TABLE tenancy.misc (x int)',
        'DROP TABLE tenancy.misc',
        [
          'misc: has no tenant_id column',
          'misc: row level security is not enabled',
          'misc: owned by tenancy_admin, a role that bypasses row level security',
          'misc: no policy for SELECT',
        ],
      ],
    ])('finds %s', async (_case, breakIt, repair, expected) => {
      // Prepare
      await db.admin.query(breakIt);
      try {
        // Act
        const check = await checkDatabase(db.admin);

        // Assess
        for (const finding of expected) expect(check.findings).toContain(finding);
      } finally {
        await db.admin.query(repair);
      }
      expect((await checkDatabase(db.admin)).findings).toEqual([]);
    });

    it('accepts one FOR ALL policy with USING and WITH CHECK in place of one per command', async () => {
      // Prepare
      const policies = ['select', 'insert', 'update', 'delete'].map(
        (c) => `DROP POLICY documents_${c} ON tenancy.documents;`,
      );
      await db.admin.query(`BEGIN; ${policies.join(' ')}
        CREATE POLICY documents_all ON tenancy.documents TO tenancy_tenant
          USING (tenant_id = current_user) WITH CHECK (tenant_id = current_user);`);
      try {
        // Act
        const check = await checkDatabase(db.admin);

        // Assess
        expect(check.findings).toEqual([]);
        expect(check.tables[0]?.commands).toEqual(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
      } finally {
        await db.admin.query('ROLLBACK');
      }
    });
  });
});
