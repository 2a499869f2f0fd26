import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type LocalPostgres, preparePostgres, startPostgres } from '../../local/postgres';
import { localTenantPassword } from '../../shared/postgres/local-password';
import { LocalPasswords } from '../../shared/postgres/local-passwords';
import { TenantPools } from '../../shared/postgres/tenant-pools';

/** A throw-away PostgreSQL with the suite's schema migrated and some tenants' roles provisioned. */
export interface TenantDatabase {
  readonly server: LocalPostgres;
  /** The superuser's connection (the operator's: it bypasses row level security, as superusers always do). */
  readonly admin: pg.Client;
  /** The local signer's secret the tenant roles' passwords derive from. */
  readonly secret: string;
  /** A new connection signed in as `user` with `password` (the tenant's derived one by default). */
  connectAs(user: string, password?: string): Promise<pg.Client>;
  /** Tenant pools over this database, signing in with the local signer (`end()` them in the test). */
  pools(options?: { maxTenants?: number; connectionsPerTenant?: number }): TenantPools;
  /** Ends every connection made here and stops the server (its data directory is removed). */
  stop(): Promise<void>;
}

/** Starts PostgreSQL, migrates it and provisions `tenants` with their local passwords. */
export async function startTenantDatabase(tenants: readonly string[]): Promise<TenantDatabase> {
  const server = await startPostgres();
  const clients: pg.Client[] = [];
  const secret = randomBytes(24).toString('base64url');
  const connectAs = async (user: string, password = localTenantPassword(secret, user)) => {
    const client = new pg.Client({ host: server.host, port: server.port, database: server.database, user, password });
    // A server-side error on an idle connection (the server stopping) must not crash the test process.
    client.on('error', () => {});
    await client.connect();
    clients.push(client);
    return client;
  };
  try {
    await preparePostgres(server, secret, tenants);
    const admin = await connectAs(server.admin.user, server.admin.password);
    return {
      server,
      admin,
      secret,
      connectAs,
      pools: (options = {}) =>
        new TenantPools({
          host: server.host,
          port: server.port,
          database: server.database,
          passwords: new LocalPasswords(secret),
          tls: false,
          maxTenants: options.maxTenants ?? 10,
          connectionsPerTenant: options.connectionsPerTenant ?? 2,
          idleSeconds: 30,
        }),
      stop: async () => {
        await Promise.all(clients.map((client) => client.end().catch(() => {})));
        await server.stop();
      },
    };
  } catch (error) {
    await Promise.all(clients.map((client) => client.end().catch(() => {})));
    await server.stop();
    throw error;
  }
}
