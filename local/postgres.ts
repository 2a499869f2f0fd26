import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { migrate } from '../shared/operations/postgres-migrations';
import { provisionTenantRole } from '../shared/operations/tenant-database-role';
import { localTenantPassword } from '../shared/postgres/local-password';
import { type GroupProcess, onProcessExit, signalGroup, spawnGroup, waitForAnswer } from './child-process';
import { freePort } from './free-port';
import { LocalStackError } from './local-stack-error';
import { startTimeoutMs } from './start-timeout';

/** A PostgreSQL server started by this harness, with its superuser's connection settings. */
export interface LocalPostgres {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The database the suite's schema goes in (`tenancy`). */
  readonly database: string;
  /** The cluster's superuser (the operator's connection: migrations, `tenants db provision/check`). */
  readonly admin: { readonly user: string; readonly password: string };
  /** Milliseconds initdb and the server start took (the README quotes them). */
  readonly startedInMs: { readonly initdb: number; readonly server: number };
  /** Stops the server (fast shutdown) and removes its data directory. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Milliseconds to wait for the server to accept connections. */
  readonly timeoutMs?: number;
}

const ADMIN_USER = 'tenancy_admin';
const DATABASE = 'tenancy';

/**
 * The server binaries of Debian's `postgresql` package (`/usr/lib/postgresql/<major>/bin`), newest major first.
 * `.ci/run` installs the package when it is missing, as it does Java.
 */
function postgresBinaries(root = '/usr/lib/postgresql'): string {
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const major = majors[0];
  if (major === undefined) {
    throw new LocalStackError(
      'the local stack needs the PostgreSQL server (15 or newer): install it, e.g. `apt-get install postgresql`.',
    );
  }
  return join(root, major, 'bin');
}

/**
 * Who runs the server. PostgreSQL refuses to run as root, so a root caller (CI) runs it as the `postgres`
 * account the Debian package creates (or `nobody`); anyone else runs it as themselves.
 */
function serverAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const fields = passwd.find((line) => line.startsWith(`${name}:`))?.split(':');
    if (fields !== undefined) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new LocalStackError(
    'running as root, and neither a `postgres` nor a `nobody` account exists to run PostgreSQL',
  );
}

/**
 * Where the data folder goes: the system temp directory, unless the server runs as another account that cannot
 * reach it (a private TMPDIR such as a test's, mode 0700); then `/tmp`, which every account can traverse.
 */
export function dataParent(account: { uid: number } | undefined, temp = tmpdir()): string {
  if (account === undefined || traversableByAll(temp)) return temp;
  if (traversableByAll('/tmp')) return '/tmp';
  throw new LocalStackError(`PostgreSQL runs as uid ${account.uid}, which can reach neither ${temp} nor /tmp`);
}

/** Whether every directory from `dir` up to `/` lets any account through (the others' execute bit). */
function traversableByAll(dir: string): boolean {
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (!existsSync(current) || (statSync(current).mode & 0o001) === 0) return false;
    if (dirname(current) === current) return true;
  }
}

/**
 * Runs `binary` through `setpriv`: as the unprivileged account when we are root, and always with the parent
 * death signal, so the server dies with this Node process even when that is killed with SIGKILL.
 */
function spawnServerTool(
  binary: string,
  args: readonly string[],
  account: { uid: number; gid: number } | undefined,
): GroupProcess {
  const identity = account === undefined ? [] : [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--clear-groups'];
  return spawnGroup('setpriv', [...identity, '--pdeathsig', 'KILL', binary, ...args], {
    env: { ...process.env, LC_ALL: 'C' },
  });
}

function exitOf(tool: GroupProcess): Promise<number> {
  if (tool.exited()) return Promise.resolve(tool.child.exitCode ?? 1);
  return new Promise((resolve) => tool.child.once('exit', (code) => resolve(code ?? 1)));
}

/**
 * Starts a throw-away PostgreSQL server on 127.0.0.1 and a free port: `initdb` into a fresh directory under
 * the system temp directory (SCRAM passwords only, no Unix socket), `postgres` with fsync off (the data is
 * thrown away), and the `tenancy` database created. The server is stopped and the directory removed by
 * `stop()`; the process is killed when this Node process exits, however it exits.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<LocalPostgres> {
  const bin = postgresBinaries();
  const account = serverAccount();
  const root = mkdtempSync(join(dataParent(account), 'tenancy-pg-'));
  const remove = () => rmSync(root, { recursive: true, force: true });
  // A run that ends without stop() (a second Ctrl-C during the stop, an uncaught error) removes the folder too;
  // the server itself dies with this process (the parent-death signal below).
  const cancelRemove = onProcessExit(() => {
    try {
      remove();
    } catch {
      // The dying server may still be writing: what is left is a temp folder, not worth a crash on exit.
    }
  });
  const password = randomBytes(18).toString('base64url');
  const limitMs = options.timeoutMs ?? startTimeoutMs();
  let server: GroupProcess | undefined;
  try {
    if (account !== undefined) {
      chownSync(root, account.uid, account.gid);
      chmodSync(root, 0o700);
    }
    const passwordFile = join(root, 'admin-password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (account !== undefined) chownSync(passwordFile, account.uid, account.gid);
    const dataDir = join(root, 'data');

    const initStarted = performance.now();
    const init = spawnServerTool(
      join(bin, 'initdb'),
      [
        `--pgdata=${dataDir}`,
        `--username=${ADMIN_USER}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--no-sync',
      ],
      account,
    );
    const initCode = await exitOf(init);
    await init.stop();
    if (initCode !== 0) throw new LocalStackError(`initdb failed (${initCode}): ${init.output().trim()}`);
    rmSync(passwordFile);
    const initdb = Math.round(performance.now() - initStarted);

    const port = await freePort();
    const serverStarted = performance.now();
    server = spawnServerTool(
      join(bin, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'fsync=off',
        '-c',
        'max_connections=200',
      ],
      account,
    );
    const admin = { user: ADMIN_USER, password };
    await waitForAnswer(server, {
      what: `PostgreSQL on 127.0.0.1:${port}`,
      limitMs,
      intervalMs: 50,
      answers: () =>
        adminQuery(port, admin, 'postgres', 'SELECT 1').then(
          () => true,
          () => false,
        ),
    });
    const serverMs = Math.round(performance.now() - serverStarted);
    await adminQuery(port, admin, 'postgres', `CREATE DATABASE ${DATABASE}`);
    const running = server;
    return {
      host: '127.0.0.1',
      port,
      database: DATABASE,
      admin,
      startedInMs: { initdb, server: serverMs },
      stop: async () => {
        // SIGINT is PostgreSQL's fast shutdown: it does not wait for clients to disconnect.
        signalGroup(running.pid, 'SIGINT');
        await running.stop(5000);
        cancelRemove();
        remove();
      },
    };
  } catch (error) {
    await server?.stop();
    cancelRemove();
    remove();
    throw error;
  }
}

async function adminQuery(
  port: number,
  admin: { user: string; password: string },
  database: string,
  sql: string,
): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, database, ...admin });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Migrates the server's database and provisions `tenants` with the local passwords derived from `secret`, as
 * `tenants db migrate` and `tenants db provision` do with `TENANCY_POSTGRES_AUTH=local-password`.
 */
export async function preparePostgres(
  server: LocalPostgres,
  secret: string,
  tenants: readonly string[],
): Promise<void> {
  const client = new pg.Client({ host: server.host, port: server.port, database: server.database, ...server.admin });
  await client.connect();
  try {
    await migrate(client);
    for (const tenantId of tenants) {
      await provisionTenantRole(client, tenantId, {
        kind: 'password',
        password: localTenantPassword(secret, tenantId),
      });
    }
  } finally {
    await client.end();
  }
}
