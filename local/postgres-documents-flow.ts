import pg from 'pg';
import { localTenantPassword } from '../shared/postgres/local-password';
import { type Check, callApi, type LifecycleOptions, runScene } from './lifecycle';
import { LocalStackError } from './local-stack-error';
import type { LocalStack, LocalStackPostgres } from './stack';

/**
 * The sample documents service with its metadata in PostgreSQL (a stack started with `postgres: true`): users
 * of acme and globex each create, list and read documents through the API; globex gets 404 for acme's document
 * id in its own tenant (the store's queries name no tenant: row level security alone hides the row) and 403 on
 * acme's path. Then the same table is queried directly: as the operator (both tenants' rows are there) and as
 * acme's database role, where a SELECT without WHERE, a WHERE naming globex, an INSERT of a globex row and a
 * DELETE of globex's document all reach nothing of globex's, and acme's password does not sign in as globex.
 */
export async function runPostgresDocumentsFlow(stack: LocalStack, options: LifecycleOptions = {}): Promise<Check[]> {
  const database = stack.postgres;
  if (database === undefined) {
    throw new LocalStackError('the PostgreSQL documents scene needs a local stack started with `postgres: true`');
  }
  return runScene(stack, options, async ({ check, run, accessToken: token }) => {
    const ann = await token(`pg-ann.${run}@acme.example`);
    const gus = await token(`pg-gus.${run}@globex.example`);

    const create = async (tenantId: string, user: string, content: string) => {
      const created = await callApi(stack, 'POST', `/tenants/${tenantId}/documents`, user, { title: content, content });
      return { status: created.status, id: String((created.body as { id?: unknown })?.id ?? '(none)') };
    };
    const acmeDocument = await create('acme', ann, 'acme in postgres');
    check('postgres: acme user creates a document', 201, acmeDocument.status);
    const globexDocument = await create('globex', gus, 'globex in postgres');
    check('postgres: globex user creates a document', 201, globexDocument.status);
    const whose = { [acmeDocument.id]: 'acme', [globexDocument.id]: 'globex' };

    for (const [tenantId, user] of [
      ['acme', ann],
      ['globex', gus],
    ] as const) {
      const listed = await callApi(stack, 'GET', `/tenants/${tenantId}/documents?limit=100`, user);
      const ids = ((listed.body as { documents?: { id: string }[] })?.documents ?? []).map((document) => document.id);
      check(`postgres: ${tenantId} user lists`, `${tenantId}'s only`, ownersOf(ids, whose));
      const own = tenantId === 'acme' ? acmeDocument : globexDocument;
      const read = await callApi(stack, 'GET', `/tenants/${tenantId}/documents/${own.id}`, user);
      check(`postgres: ${tenantId} user reads its document`, `${tenantId} in postgres`, contentOf(read.body));
    }
    const elsewhere = await callApi(stack, 'GET', `/tenants/globex/documents/${acmeDocument.id}`, gus);
    check("postgres: globex user, acme's id in globex", 404, elsewhere.status);
    const crossPath = await callApi(stack, 'GET', `/tenants/acme/documents/${acmeDocument.id}`, gus);
    check("postgres: globex user on acme's path", 403, crossPath.status);

    for (const verdict of await rowLevelSecurityChecks(database, acmeDocument.id, globexDocument.id)) {
      check(verdict.step, verdict.expected, verdict.got);
    }
  });
}

/** What a direct SQL check found: the step, what row level security promises, what the server answered. */
export interface SqlCheck {
  readonly step: string;
  readonly expected: string;
  readonly got: string;
}

/**
 * Queries the documents table directly, as the operator (a superuser: it sees every row) and as acme's own
 * database role with the password the documents function derives. None of acme's statements names its own
 * tenant: whatever confines them is the table's row level security.
 */
async function rowLevelSecurityChecks(
  database: LocalStackPostgres,
  acmeDocumentId: string,
  globexDocumentId: string,
): Promise<SqlCheck[]> {
  const { server, secret } = database;
  const connect = async (user: string, password: string) => {
    const client = new pg.Client({ host: server.host, port: server.port, database: server.database, user, password });
    // A server-side error on an idle connection (the server stopping) must not end the demo.
    client.on('error', () => {});
    await client.connect();
    return client;
  };
  const ids = [acmeDocumentId, globexDocumentId];
  const tenantsOf = (rows: { tenant_id: string }[]) =>
    [...new Set(rows.map((row) => row.tenant_id))].sort().join(',') || '(none)';
  const results: SqlCheck[] = [];
  const operator = await connect(server.admin.user, server.admin.password);
  try {
    const { rows } = await operator.query<{ tenant_id: string }>(
      'SELECT tenant_id FROM tenancy.documents WHERE id = ANY($1::uuid[])',
      [ids],
    );
    results.push({ step: "RLS: operator sees both documents' rows", expected: 'acme,globex', got: tenantsOf(rows) });
  } finally {
    await operator.end();
  }

  const acme = await connect('acme', localTenantPassword(secret, 'acme'));
  try {
    const all = await acme.query<{ tenant_id: string }>('SELECT tenant_id FROM tenancy.documents');
    results.push({ step: "RLS: acme's role, SELECT without WHERE", expected: 'acme', got: tenantsOf(all.rows) });
    const named = await acme.query("SELECT id FROM tenancy.documents WHERE tenant_id = 'globex'");
    results.push({ step: "RLS: acme's role, WHERE tenant_id = 'globex'", expected: '0 rows', got: rowsOf(named) });
    const inserted = await sqlState(() =>
      acme.query(
        `INSERT INTO tenancy.documents (tenant_id, id, title, owner, content_type, size, created_at)
         VALUES ('globex', gen_random_uuid(), 'planted', 'acme', 'text/plain', 0, now())`,
      ),
    );
    // 42501 insufficient_privilege: "new row violates row-level security policy".
    results.push({ step: "RLS: acme's role, INSERT a globex row", expected: 'refused (42501)', got: inserted });
    const deleted = await acme.query('DELETE FROM tenancy.documents WHERE id = $1', [globexDocumentId]);
    results.push({ step: "RLS: acme's role, DELETE globex's document", expected: '0 rows', got: rowsOf(deleted) });
  } finally {
    await acme.end();
  }
  // 28P01 invalid_password: a tenant's password is derived from its own id, so it signs in as nobody else.
  const asGlobex = await sqlState(async () => (await connect('globex', localTenantPassword(secret, 'acme'))).end());
  results.push({ step: "acme's password, role globex: sign-in", expected: 'refused (28P01)', got: asGlobex });
  return results;
}

/** Whose documents a listing holds, among the flow's two: `acme's only`, `globex's only`, `both`, or `neither`. */
export function ownersOf(ids: readonly string[], whose: Readonly<Record<string, string>>): string {
  const owners = [...new Set(ids.map((id) => whose[id]).filter((owner) => owner !== undefined))].sort();
  if (owners.length === 0) return 'neither';
  return owners.length === 1 ? `${owners[0]}'s only` : 'both';
}

function contentOf(body: unknown): string {
  return String((body as { content?: unknown } | null)?.content ?? '(none)');
}

function rowsOf(result: { rowCount: number | null }): string {
  return `${result.rowCount ?? 0} rows`;
}

/** `done` when `statement` succeeds, `refused (<SQLSTATE>)` when the server refuses it. */
async function sqlState(statement: () => Promise<unknown>): Promise<string> {
  try {
    await statement();
    return 'done';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return `refused (${code})`;
    throw error;
  }
}
