import pg from 'pg';
import { assertTenantId } from '../registry/tenant-id';
import { DataUnavailableError } from '../runtime/errors';
import { LruMap } from '../runtime/lru-map';
import type { DatabasePasswordSource } from './database-password-source';
import { isTransientPostgresError } from './transient-postgres-error';

export interface TenantPoolsOptions {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly passwords: DatabasePasswordSource;
  /** Verify the server's certificate over TLS (AWS); off only on the loopback interface. */
  readonly tls: boolean;
  readonly maxTenants: number;
  readonly connectionsPerTenant: number;
  readonly idleSeconds: number;
  /** Milliseconds a new connection may take. */
  readonly connectMs?: number;
  /** Told about a connection error that happened while the connection was idle (it is dropped by the pool). */
  readonly onIdleError?: (tenantId: string, error: Error) => void;
}

/**
 * One `pg` pool per tenant, each signing in as the tenant's own database role (its name is the tenant id), so
 * row level security confines every statement to the tenant whatever its SQL says. Bounded: at most
 * `maxTenants` pools of at most `connectionsPerTenant` connections; the least recently used pool is ended
 * (its connections closed) to make room, and idle connections close after `idleSeconds`. A container therefore
 * holds at most `maxTenants × connectionsPerTenant` connections (docs/postgresql.md "Connections").
 */
export class TenantPools {
  readonly #pools: LruMap<string, pg.Pool>;
  readonly #ending = new Set<Promise<void>>();

  constructor(private readonly options: TenantPoolsOptions) {
    this.#pools = new LruMap(options.maxTenants, (_tenantId, pool) => this.#end(pool));
  }

  /** The pool of `tenantId`, a tenant id the authorizer verified. */
  forTenant(tenantId: string): pg.Pool {
    assertTenantId(tenantId);
    const found = this.#pools.get(tenantId);
    if (found !== undefined) return found;
    const created = this.#create(tenantId);
    this.#pools.set(tenantId, created);
    return created;
  }

  /**
   * Runs one statement as the tenant's role. A database that is unavailable for now (down, restarting, out of
   * connections) rejects with `DataUnavailableError` (HTTP 503); every other error is passed on as it is.
   */
  async query<Row extends pg.QueryResultRow>(
    tenantId: string,
    sql: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<Row>> {
    try {
      return await this.forTenant(tenantId).query<Row>(sql, values);
    } catch (error) {
      throw isTransientPostgresError(error) ? new DataUnavailableError({ cause: error }) : error;
    }
  }

  /** Tenants whose pool is kept. */
  get tenants(): number {
    return this.#pools.size;
  }

  /** Connections open across all kept pools (idle or in use). */
  get connections(): number {
    let total = 0;
    for (const [, pool] of this.#pools.entries()) total += pool.totalCount;
    return total;
  }

  /** Resolves once every evicted pool has closed its connections. */
  async settled(): Promise<void> {
    await Promise.all(this.#ending);
  }

  /** Ends every pool (tests, shutdown). */
  async end(): Promise<void> {
    const entries = [...this.#pools.entries()];
    for (const [tenantId] of entries) this.#pools.delete(tenantId);
    await Promise.all([...entries.map(([, pool]) => this.#end(pool)), ...this.#ending]);
  }

  #create(tenantId: string): pg.Pool {
    const { host, port, database, passwords, tls, connectionsPerTenant, idleSeconds } = this.options;
    const pool = new pg.Pool({
      host,
      port,
      database,
      user: tenantId,
      // Asked for every new connection, so an expiring IAM token is never reused past its renewal.
      password: () => passwords.passwordFor(tenantId),
      ssl: tls ? { rejectUnauthorized: true } : false,
      max: connectionsPerTenant,
      idleTimeoutMillis: idleSeconds * 1000,
      connectionTimeoutMillis: this.options.connectMs ?? 5000,
      application_name: 'cognito-tenancy',
    });
    // An idle connection the server closed must not crash the process: the pool drops it and opens another.
    pool.on('error', (error) => this.options.onIdleError?.(tenantId, error));
    return pool;
  }

  #end(pool: pg.Pool): Promise<void> {
    const ending = pool.end().catch(() => {});
    this.#ending.add(ending);
    void ending.finally(() => this.#ending.delete(ending));
    return ending;
  }
}
