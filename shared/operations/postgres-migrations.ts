import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError, TenancyError } from '../runtime/errors';
import type { SqlClient } from './sql-client';

/** One versioned SQL file of `postgres/migrations/` (`0001_documents.sql`). */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** SHA-256 of the SQL: an applied migration whose file changed is refused, not silently skipped. */
  readonly checksum: string;
}

/** The repository's migrations folder. */
const MIGRATIONS_FOLDER = join(import.meta.dirname, '..', '..', 'postgres', 'migrations');

/** The schema every tenant table lives in; tenant roles may use it and create nothing in it. */
export const TENANCY_SCHEMA = 'tenancy';
/** Owns the schema and tables: no login, no BYPASSRLS, and bound by the policies (FORCE ROW LEVEL SECURITY). */
export const OWNER_ROLE = 'tenancy_owner';
/** Every tenant's role is a member: the table grants and the policies name this role. */
export const TENANT_GROUP = 'tenancy_tenant';

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** An applied migration does not match the files: the database or the folder was changed by hand. */
export class MigrationMismatchError extends TenancyError {
  override name = 'MigrationMismatchError';
  constructor(
    message: string,
    readonly version: number,
  ) {
    super(message);
  }
}

/** Reads the migrations of `folder`: `NNNN_name.sql`, numbered 1, 2, 3… without gaps. */
export function readMigrations(folder: string = MIGRATIONS_FOLDER): Migration[] {
  const migrations = readdirSync(folder)
    .sort()
    .map((file) => {
      const match = FILE.exec(file);
      if (match === null)
        throw new InvalidInputError(`migration file "${file}" must be named NNNN_name.sql`, 'migrations');
      const sql = readFileSync(join(folder, file), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      return { version: Number(match[1]), name: match[2] ?? '', sql, checksum };
    });
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new InvalidInputError(
        `migration ${migration.version} is out of sequence (expected ${index + 1})`,
        'migrations',
      );
    }
  });
  return migrations;
}

// Roles are cluster-wide and the statements below are idempotent: every run re-asserts them.
const BOOTSTRAP = `
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${OWNER_ROLE}') THEN
    CREATE ROLE ${OWNER_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${TENANT_GROUP}') THEN
    CREATE ROLE ${TENANT_GROUP} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
  -- Temporary tables are objects a tenant would own.
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END $$;
GRANT ${OWNER_ROLE} TO CURRENT_USER;
CREATE SCHEMA IF NOT EXISTS ${TENANCY_SCHEMA} AUTHORIZATION ${OWNER_ROLE};
REVOKE ALL ON SCHEMA ${TENANCY_SCHEMA} FROM PUBLIC;
GRANT USAGE ON SCHEMA ${TENANCY_SCHEMA} TO ${TENANT_GROUP};
-- Functions are executable by PUBLIC by default; a SECURITY DEFINER one would run as its owner.
ALTER DEFAULT PRIVILEGES FOR ROLE ${OWNER_ROLE} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
CREATE TABLE IF NOT EXISTS ${TENANCY_SCHEMA}.schema_migrations (
  version    integer     PRIMARY KEY,
  name       text        NOT NULL,
  checksum   text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON ${TENANCY_SCHEMA}.schema_migrations FROM PUBLIC;
`;

/**
 * Applies the migrations the database lacks, as the operator (a superuser locally, the master user on RDS):
 * one transaction under an advisory lock (two operators never interleave, a failure applies nothing), the
 * roles and schema bootstrapped first, every migration run as `tenancy_owner` so that role owns what it
 * creates. Applied migrations must match the files (same version, name and checksum). Returns the names of the
 * migrations applied by this call.
 */
export async function migrate(
  client: SqlClient,
  migrations: readonly Migration[] = readMigrations(),
): Promise<string[]> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('cognito-tenancy migrations'))`);
    await client.query(BOOTSTRAP);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
      `SELECT version, name, checksum FROM ${TENANCY_SCHEMA}.schema_migrations ORDER BY version`,
    );
    for (const applied of rows) {
      const file = migrations[applied.version - 1];
      if (file === undefined || file.name !== applied.name || file.checksum !== applied.checksum) {
        throw new MigrationMismatchError(
          `applied migration ${applied.version} (${applied.name}) does not match postgres/migrations: never edit an applied migration, add a new one`,
          applied.version,
        );
      }
    }
    const pending = migrations.slice(rows.length);
    for (const migration of pending) {
      await client.query(`SET LOCAL ROLE ${OWNER_ROLE}`);
      await client.query(migration.sql);
      await client.query('RESET ROLE');
      await client.query(
        `INSERT INTO ${TENANCY_SCHEMA}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`,
        [migration.version, migration.name, migration.checksum],
      );
    }
    await client.query('COMMIT');
    return pending.map((migration) => `${String(migration.version).padStart(4, '0')}_${migration.name}`);
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
