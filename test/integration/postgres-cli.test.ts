import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPostgres, startPostgres } from '../../local/postgres';
import { type Cli, cliRunner } from '../support/cli';
import { createTestRegistry, type TestRegistry } from '../support/registry';

// `tenants db migrate | provision | check`, and `create` provisioning the role, against a real PostgreSQL and
// DynamoDB Local, as an operator runs them.

const SECRET = 'cli-test-local-secret-0123456789';

describe('tenants db commands', () => {
  let server: LocalPostgres;
  let test: TestRegistry;
  /** Commands that use the registry (`--table` added) and the `db` commands that do not. */
  let cli: Cli;
  let db: Cli;
  let cliWithoutPostgres: Cli;
  let dbWithoutPostgres: Cli;
  /** What the first `db migrate` of the fresh server printed (every test then has the schema). */
  let firstMigration: string[];

  beforeAll(async () => {
    server = await startPostgres();
    test = await createTestRegistry();
    const env = {
      AWS_ENDPOINT_URL_DYNAMODB: test.endpoint,
      TENANCY_POSTGRES_HOST: server.host,
      TENANCY_POSTGRES_PORT: String(server.port),
      TENANCY_POSTGRES_DATABASE: server.database,
      TENANCY_POSTGRES_AUTH: 'local-password',
      TENANCY_POSTGRES_LOCAL_SECRET: SECRET,
      PGUSER: server.admin.user,
      PGPASSWORD: server.admin.password,
    };
    cli = cliRunner(env, ['--table', test.tableName]);
    db = cliRunner(env);
    cliWithoutPostgres = cliRunner({ AWS_ENDPOINT_URL_DYNAMODB: test.endpoint }, ['--table', test.tableName]);
    dbWithoutPostgres = cliRunner({});
    firstMigration = (await db('db', 'migrate')).out;
  });

  afterAll(async () => {
    test?.client.destroy();
    await server?.stop();
  });

  it('migrates once, creates a tenant with its database role, provisions again idempotently and checks clean', async () => {
    // Act
    const again = await db('db', 'migrate');
    const created = await cli('create', '--id', 'acme', '--name', 'Acme', '--tier', 'free');
    const provisioned = await cli('db', 'provision', 'acme');
    const check = await db('db', 'check');

    // Assess
    expect(firstMigration).toEqual(['applied 0001_documents']);
    expect(again.out).toEqual(['up to date']);
    expect(created.out).toEqual(['created acme (Acme, free)', 'database role acme created']);
    expect(provisioned.out).toEqual(['database role acme updated']);
    expect(check.code).toBe(0);
    expect(check.out.join('\n').split('\n')).toEqual([
      'documents: row level security enabled, forced, policies for SELECT INSERT UPDATE DELETE',
      expect.stringMatching(/^\d+ tenant role\(s\)$/),
      'ok',
    ]);
  });

  it('gives every tenant of an imported seed file its database role', async () => {
    // Prepare
    const folder = mkdtempSync(join(tmpdir(), 'tenancy-seed-'));
    const seed = join(folder, 'seed.json');
    const tenant = (tenantId: string) => ({ tenantId, name: tenantId, tier: 'free', status: 'active' });
    writeFileSync(seed, JSON.stringify({ tenants: [tenant('umbrella'), tenant('hooli')] }));
    try {
      // Act
      const imported = await cli('import', seed);

      // Assess
      expect(imported.code).toBe(0);
      expect(imported.out.slice(1)).toEqual(['database role umbrella created', 'database role hooli created']);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses to provision a tenant the registry does not know', async () => {
    // Act
    const run = await cli('db', 'provision', 'initech');

    // Assess
    expect(run.code).toBe(1);
    expect(run.err.join('\n')).toContain('initech');
  });

  it('exits non-zero and names the finding when a tenant role can bypass row level security', async () => {
    // Prepare
    const pg = (await import('pg')).default;
    const admin = new pg.Client({ host: server.host, port: server.port, database: server.database, ...server.admin });
    admin.on('error', () => {});
    await admin.connect();
    await cli('create', '--id', 'bypasser', '--name', 'Bypasser', '--tier', 'free');
    await admin.query('ALTER ROLE bypasser BYPASSRLS');
    try {
      // Act
      const check = await db('db', 'check', '--json');

      // Assess
      expect(check.code).toBe(1);
      expect(JSON.parse(check.out.join('\n'))).toMatchObject({ findings: ['role bypasser: has BYPASSRLS'] });
    } finally {
      await admin.query('ALTER ROLE bypasser NOBYPASSRLS');
      await admin.end();
    }
  });

  it('names a tenant table added without row level security, tenant_id or policies, and exits 1', async () => {
    // Prepare: a table created by hand in the tenancy schema, as a careless migration would.
    const pg = (await import('pg')).default;
    const admin = new pg.Client({ host: server.host, port: server.port, database: server.database, ...server.admin });
    admin.on('error', () => {});
    await admin.connect();
    await admin.query('CREATE TABLE tenancy.notes (id integer)');
    try {
      // Act
      const check = await db('db', 'check');

      // Assess
      expect(check.code).toBe(1);
      const lines = check.out.join('\n').split('\n');
      expect(lines).toContain('notes: row level security OFF, NOT forced, policies for nothing');
      expect(lines.filter((line) => line.startsWith('FINDING ') && line.includes('notes')).length).toBeGreaterThan(0);
      expect(lines.at(-1)).toMatch(/^\d+ finding\(s\)$/);
    } finally {
      await admin.query('DROP TABLE tenancy.notes');
      await admin.end();
    }
  });

  it('says PostgreSQL is not configured, and create provisions nothing without it', async () => {
    // Act
    const check = await dbWithoutPostgres('db', 'check');
    const created = await cliWithoutPostgres('create', '--id', 'globex', '--name', 'Globex', '--tier', 'free');

    // Assess
    expect(check.code).not.toBe(0);
    expect(check.err.join('\n')).toContain('PostgreSQL is not configured');
    expect(created.out).toEqual(['created globex (Globex, free)']);
  });
});
