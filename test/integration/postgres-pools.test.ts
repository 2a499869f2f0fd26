import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port';
import { StaticCredentials } from '../../shared/credentials/static-credentials';
import { metadataStoreFromConfig } from '../../shared/documents/metadata-store-from-config';
import { PostgresDocumentMetadata } from '../../shared/documents/postgres-document-metadata';
import { LocalPasswords } from '../../shared/postgres/local-passwords';
import { TenantPools } from '../../shared/postgres/tenant-pools';
import { DataUnavailableError } from '../../shared/runtime/errors';
import { startTenantDatabase, type TenantDatabase } from '../support/postgres';

// Tenant-scoped connections (issue 20, item 1): one bounded pool per tenant, signing in as the tenant's role.

describe('TenantPools on a real PostgreSQL', () => {
  let db: TenantDatabase;

  beforeAll(async () => {
    db = await startTenantDatabase(['acme', 'globex', 'initech']);
  });

  afterAll(async () => {
    await db?.stop();
  });

  /**
   * The server's count once it equals `expected`: a backend leaves pg_stat_activity a moment after its client
   * closed the socket, so the count is re-read (each read is a round trip, no timer) a bounded number of times.
   */
  async function serverConnectionsSettleAt(expected: Record<string, number>): Promise<Record<string, number>> {
    let seen = await serverConnections();
    for (let attempt = 0; attempt < 500 && JSON.stringify(seen) !== JSON.stringify(expected); attempt++) {
      seen = await serverConnections();
    }
    return seen;
  }

  async function serverConnections(): Promise<Record<string, number>> {
    const { rows } = await db.admin.query<{ user: string; n: number }>(
      `SELECT usename AS user, count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = 'cognito-tenancy' GROUP BY usename ORDER BY usename`,
    );
    return Object.fromEntries(rows.map((row) => [row.user, row.n]));
  }

  it('signs each tenant in as its own database role', async () => {
    // Prepare
    const pools = db.pools();
    try {
      // Act
      const acme = await pools.query<{ user: string }>('acme', 'SELECT current_user AS user');
      const globex = await pools.query<{ user: string }>('globex', 'SELECT current_user AS user');

      // Assess
      expect([acme.rows, globex.rows]).toEqual([[{ user: 'acme' }], [{ user: 'globex' }]]);
      expect(pools.forTenant('acme')).toBe(pools.forTenant('acme'));
    } finally {
      await pools.end();
    }
  });

  it('ends the least recently used tenant’s pool, and its connections, to stay within maxTenants', async () => {
    // Prepare
    const pools = db.pools({ maxTenants: 2 });
    try {
      await pools.query('acme', 'SELECT 1');
      await pools.query('globex', 'SELECT 1');

      // Act
      await pools.query('initech', 'SELECT 1');
      await pools.settled();

      // Assess
      expect(pools.tenants).toBe(2);
      expect(pools.connections).toBe(2);
      expect(await serverConnectionsSettleAt({ globex: 1, initech: 1 })).toEqual({ globex: 1, initech: 1 });
    } finally {
      await pools.end();
    }
    expect(pools.connections).toBe(0);
    expect(await serverConnectionsSettleAt({})).toEqual({});
  });

  it('opens at most connectionsPerTenant connections for a tenant; further requests wait for one', async () => {
    // Prepare
    const pools = db.pools({ connectionsPerTenant: 2 });
    const pool = pools.forTenant('acme');
    const first = await pool.connect();
    const second = await pool.connect();
    try {
      // Act
      const third = pool.connect();
      const counts = { total: pool.totalCount, waiting: pool.waitingCount };
      first.release();
      const got = await third;
      got.release();

      // Assess
      expect(counts).toEqual({ total: 2, waiting: 1 });
      expect(pool.totalCount).toBe(2);
    } finally {
      second.release();
      await pools.end();
    }
  });

  it('refuses a tenant that has no database role, without falling back to anyone', async () => {
    // Prepare
    const pools = db.pools();
    try {
      // Act
      const attempt = pools.query('umbrella', 'SELECT current_user');

      // Assess
      await expect(attempt).rejects.toThrow('password authentication failed for user "umbrella"');
      expect(pools.connections).toBe(0);
    } finally {
      await pools.end();
    }
  });

  it('answers DataUnavailableError (503) when the database does not answer', async () => {
    // Prepare: a port nothing listens on
    const pools = new TenantPools({
      host: '127.0.0.1',
      port: await freePort(),
      database: 'tenancy',
      passwords: new LocalPasswords(db.secret),
      tls: false,
      maxTenants: 2,
      connectionsPerTenant: 1,
      idleSeconds: 30,
    });
    try {
      // Act
      const attempt = pools.query('acme', 'SELECT 1');

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(DataUnavailableError);
    } finally {
      await pools.end();
    }
  });

  it('serves document metadata from the configured PostgreSQL store, which opens no connection before its first query', async () => {
    // Prepare
    const { host, port, database } = db.server;
    expect(await serverConnectionsSettleAt({})).toEqual({});
    const store = await metadataStoreFromConfig(
      {
        store: 'postgres',
        postgres: {
          host,
          port,
          database,
          auth: { mode: 'local-password', secret: db.secret },
          tls: false,
          maxTenants: 2,
          connectionsPerTenant: 1,
          idleSeconds: 30,
        },
      },
      new StaticCredentials({ accessKeyId: 'local', secretAccessKey: 'local' }),
    );
    const document = {
      tenantId: 'globex',
      id: '0c5ad3a4-57a4-4f8e-9a43-3f1f6b1c2d3e',
      title: 'Roadmap',
      owner: 'sub-gus',
      contentType: 'text/plain; charset=utf-8',
      size: 5,
      createdAt: '2026-01-02T03:04:05.678Z',
    };

    const openedByLoading = await serverConnections();

    // Act
    await store?.put(document);
    const read = await store?.get('globex', document.id);
    const fromAcme = await store?.get('acme', document.id);
    const page = await store?.list('globex', 10);
    await store?.delete(document);
    const afterDelete = await store?.get('globex', document.id);

    // Assess
    expect(store).toBeInstanceOf(PostgresDocumentMetadata);
    expect(openedByLoading).toEqual({});
    expect(read).toEqual(document);
    expect(fromAcme).toBeUndefined();
    expect(page).toEqual({ documents: [document] });
    expect(afterDelete).toBeUndefined();
    expect(
      await metadataStoreFromConfig(
        { store: 'dynamodb' },
        new StaticCredentials({ accessKeyId: 'a', secretAccessKey: 'b' }),
      ),
    ).toBeUndefined();
  });
});
