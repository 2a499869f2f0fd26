import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_CODE } from '../../local/lifecycle';
import { ownersOf, runPostgresDocumentsFlow } from '../../local/postgres-documents-flow';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { startBudgetMs } from '../../local/start-timeout';

// Five servers start in sequence; the flow's first calls cold-start the functions in serverless-offline.
vi.setConfig({ hookTimeout: startBudgetMs(5), testTimeout: startBudgetMs(2) });

// The demo's PostgreSQL scene through the real local stack: the documents function in serverless-offline keeps
// its metadata in the local PostgreSQL server, signing in as the caller's tenant role (issue 20, item 5).
describe('documents in PostgreSQL on the local stack', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({ code: DEMO_CODE, tenantCacheSeconds: 0, postgres: true });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('provisions a database role for every seeded tenant and points the documents function at the server', () => {
    // Assess
    expect(stack.postgres?.server.host).toBe('127.0.0.1');
    expect(stack.postgres?.tenants).toEqual(expect.arrayContaining(['acme', 'globex']));
  });

  it("keeps each tenant's documents to itself through the API, and row level security alone confines acme's own role in SQL", async () => {
    // Act
    const checks = await runPostgresDocumentsFlow(stack);

    // Assess
    expect(checks.map((check) => check.step)).toEqual([
      'postgres: acme user creates a document',
      'postgres: globex user creates a document',
      'postgres: acme user lists',
      'postgres: acme user reads its document',
      'postgres: globex user lists',
      'postgres: globex user reads its document',
      "postgres: globex user, acme's id in globex",
      "postgres: globex user on acme's path",
      "RLS: operator sees both documents' rows",
      "RLS: acme's role, SELECT without WHERE",
      "RLS: acme's role, WHERE tenant_id = 'globex'",
      "RLS: acme's role, INSERT a globex row",
      "RLS: acme's role, DELETE globex's document",
      "acme's password, role globex: sign-in",
    ]);
    expect(checks.filter((check) => !check.ok)).toEqual([]);
  });

  it('refuses to run the scene on a stack without PostgreSQL', async () => {
    // Prepare: the same stack, as a stack started without `postgres: true` describes itself.
    const withoutPostgres: LocalStack = { ...stack, postgres: undefined };

    // Act
    const run = runPostgresDocumentsFlow(withoutPostgres);

    // Assess
    await expect(run).rejects.toThrow(/needs a local stack started with `postgres: true`/);
  });
});

describe('ownersOf', () => {
  it("names whose documents a listing holds, ignoring documents that are neither tenant's", () => {
    // Prepare
    const whose = { a1: 'acme', g1: 'globex' };

    // Act / Assess
    expect(ownersOf(['a1', 'other'], whose)).toBe("acme's only");
    expect(ownersOf(['g1'], whose)).toBe("globex's only");
    expect(ownersOf(['g1', 'a1'], whose)).toBe('both');
    expect(ownersOf(['other'], whose)).toBe('neither');
  });
});
