import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startBudgetMs } from '../../local/start-timeout';
import { makeBinding } from '../../shared/registry/binding';
import type { TenantAdmin } from '../../shared/registry/tenant-admin';
import { type Cli, cliRunner } from '../support/cli';
import { createTestRegistry } from '../support/registry';

const SEED = join(import.meta.dirname, '..', '..', 'events', 'tenants.json');

// Seed files written by the tests; removed after the file's tests.
const seedDir = mkdtempSync(join(tmpdir(), 'tenancy-cli-seeds-'));
let seeds = 0;
afterAll(() => rmSync(seedDir, { recursive: true, force: true }));

/** Writes `text` as a seed file and returns its path. */
function seedFile(text: string): string {
  const file = join(seedDir, `seed-${++seeds}.json`);
  writeFileSync(file, text);
  return file;
}

describe('tenants CLI against DynamoDB Local', () => {
  let registry: TenantAdmin;
  let cli: Cli;
  let endpoint: string;
  let tableName: string;

  beforeEach(async () => {
    const test = await createTestRegistry();
    registry = test.registry;
    endpoint = test.endpoint;
    tableName = test.tableName;
    cli = cliRunner({ AWS_ENDPOINT_URL_DYNAMODB: test.endpoint }, ['--table', test.tableName]);
  });

  it('creates a tenant, binds a domain, suspends it and lists it', async () => {
    // Act
    const created = await cli('create', '--name', 'Acme Corp', '--tier', 'standard', '--id', 'acme');
    const bound = await cli('bind-domain', 'acme', 'ACME.example');
    const suspended = await cli('suspend', 'acme');
    const listed = await cli('list');

    // Assess
    expect([created.code, bound.code, suspended.code, listed.code]).toEqual([0, 0, 0, 0]);
    expect(created.out).toEqual(['created acme (Acme Corp, standard)']);
    expect(bound.out).toEqual(['bound domain acme.example to acme']);
    expect(listed.out).toEqual([
      'TENANT                    TIER          STATUS      SEATS   NAME',
      'acme                      standard      suspended   0       Acme Corp',
    ]);
    expect(await registry.resolveBinding(makeBinding('domain', 'acme.example'))).toBe('acme');
  });

  it("prints a tenant's audit trail newest first, one page at a time, with who, what and why", async () => {
    // Prepare
    await cli('create', '--name', 'Audited', '--tier', 'free', '--id', 'audited');
    await cli('bind-domain', 'audited', 'audited.example');
    await cli('set-tier', 'audited', 'standard');
    await cli('suspend', 'audited');
    await cli('resume', 'audited');

    // Act
    const first = await cli('audit', 'audited', '--limit', '2', '--json');
    const { next } = JSON.parse(first.out.join('\n')) as { next: string };
    const second = await cli('audit', 'audited', '--limit', '2', '--next', next, '--json');
    const text = await cli('audit', 'audited', '--limit', '4');

    // Assess
    const actions = (run: typeof first) =>
      (JSON.parse(run.out.join('\n')) as { entries: { action: string; detail: Record<string, string> }[] }).entries.map(
        (entry) => `${entry.action} ${Object.values(entry.detail).join('>')}`,
      );
    expect(actions(first)).toEqual(['status-changed suspended>active', 'status-changed active>suspended']);
    expect(actions(second)).toEqual(['tier-changed free>standard', 'binding-added domain audited.example']);
    const lines = text.out.join('\n').split('\n');
    expect(lines[0]).toMatch(/^TIME +ACTION +REASON +ACTOR +SUB +DETAIL +REQUEST$/);
    expect(lines[1]).toMatch(/status-changed +operator-request +operator:\S+ +- +from=suspended to=active/);
    expect(lines.at(-1)).toMatch(/^more: npm run tenants -- audit audited --next \S+ --limit 4$/);
  });

  it('selects audit entries by --since and --user, and refuses a malformed --since before any I/O', async () => {
    // Prepare
    const sub = '7a3f9c2e-1b4d-4e8a-9c6f-2d5e8b1a0c47';
    await cli('create', '--name', 'Picky', '--tier', 'free', '--id', 'picky');
    await registry.addMember({ tenantId: 'picky', sub, role: 'tenant-member', source: 'invite' });

    // Act
    const mine = await cli('audit', 'picky', '--user', sub, '--json');
    const future = await cli('audit', 'picky', '--since', '2999-01-01', '--json');
    const recent = await cli('audit', 'picky', '--since', '1h', '--json');
    const bad = await cli('audit', 'picky', '--since', 'yesterday');

    // Assess
    const entries = (run: typeof mine) => (JSON.parse(run.out.join('\n')) as { entries: unknown[] }).entries;
    expect(entries(mine)).toEqual([expect.objectContaining({ action: 'member-assigned', reason: 'invitation', sub })]);
    expect(entries(future)).toEqual([]);
    expect(entries(recent)).toHaveLength(2);
    expect(bad.code).toBe(2);
    expect(bad.err).toEqual([expect.stringContaining('--since must be an ISO date or time')]);
  });

  it('generates a tenant id when none is given', async () => {
    // Act
    const created = await cli('create', '--name', 'Hooli', '--tier', 'free', '--json');

    // Assess
    expect(created.code).toBe(0);
    const tenant = JSON.parse(created.out.join('\n')) as { tenantId: string };
    expect(tenant.tenantId).toMatch(/^t-[a-z2-7]{20}$/);
    expect(await registry.getTenant(tenant.tenantId)).toMatchObject({ name: 'Hooli', tier: 'free' });
  });

  it('imports the example seed file and is safe to run again', async () => {
    // Act
    const first = await cli('import', SEED);
    const second = await cli('import', SEED);

    // Assess
    expect(first.out).toEqual(['imported 5 tenant(s): 5 created, 0 updated, 6 binding(s), 8 new member(s)']);
    expect(second.out).toEqual(['imported 5 tenant(s): 0 created, 5 updated, 6 binding(s), 0 new member(s)']);
    expect((await registry.listTenants()).map((t) => [t.tenantId, t.status, t.seats])).toEqual([
      ['acme', 'active', 4],
      ['globex', 'active', 2],
      ['hooli', 'active', 0],
      ['initech', 'suspended', 1],
      ['vandelay', 'disabled', 1],
    ]);
    expect(await registry.getUserTenantId('f0f1f2f3-a4a5-4b6c-8d7e-9f0a1b2c3d4e')).toBe('initech');
    expect(await registry.resolveBinding(makeBinding('idp', 'us-east-1_Tenancy1', 'AcmeSAML'))).toBe('acme');
  });

  it('imports a user listed in two tenants as two memberships, the first one active, and changes nothing again', async () => {
    // Prepare
    const sub = '5e5e5e5e-0000-4000-8000-00000000000a';
    const file = seedFile(
      JSON.stringify({
        tenants: [
          { tenantId: 'multi-a', name: 'A', tier: 'free', members: [{ sub, role: 'tenant-admin' }] },
          { tenantId: 'multi-b', name: 'B', tier: 'free', members: [{ sub }] },
        ],
      }),
    );

    // Act
    const first = await cli('import', file);
    const second = await cli('import', file);

    // Assess
    expect(first.out).toEqual(['imported 2 tenant(s): 2 created, 0 updated, 0 binding(s), 2 new member(s)']);
    expect(second.out).toEqual(['imported 2 tenant(s): 0 created, 2 updated, 0 binding(s), 0 new member(s)']);
    expect(await registry.listMemberships(sub)).toMatchObject({
      activeTenantId: 'multi-a',
      memberships: [
        { tenantId: 'multi-a', role: 'tenant-admin' },
        { tenantId: 'multi-b', role: 'tenant-member' },
      ],
    });
  });

  it('imports a seed several tenants at a time, each complete, and is safe to run again', async () => {
    // Prepare: 12 tenants, each with a binding and a member
    const tenants = Array.from({ length: 12 }, (_, i) => ({
      tenantId: `bulk-${i}`,
      name: `Bulk ${i}`,
      tier: 'free',
      bindings: [{ kind: 'domain', domain: `bulk-${i}.example` }],
      members: [{ sub: `bulk-user-${i}` }],
    }));
    const file = seedFile(JSON.stringify({ tenants }));

    // Act
    const first = await cli('import', file, '--concurrency', '4', '--transactions', '2');
    const second = await cli('import', file, '--concurrency', '4', '--transactions', '2');

    // Assess
    expect(first.out).toEqual(['imported 12 tenant(s): 12 created, 0 updated, 12 binding(s), 12 new member(s)']);
    expect(second.out).toEqual(['imported 12 tenant(s): 0 created, 12 updated, 12 binding(s), 0 new member(s)']);
    const listed = await registry.listTenants();
    expect(listed).toHaveLength(12);
    expect(listed.every((tenant) => tenant.seats === 1 && tenant.status === 'active')).toBe(true);
    expect(await registry.resolveBinding(makeBinding('domain', 'bulk-11.example'))).toBe('bulk-11');
    expect(await registry.getUserTenantId('bulk-user-7')).toBe('bulk-7');
  });

  it('adds a user listed in many tenants in seed order at any concurrency, so the first tenant is the active one', async () => {
    // Prepare: 20 tenants sharing one user, imported 16 at a time.
    const sub = '5e5e5e5e-0000-4000-8000-00000000000b';
    const tenants = Array.from({ length: 20 }, (_, i) => ({
      tenantId: `shared-${i}`,
      name: `Shared ${i}`,
      tier: 'free',
      members: [{ sub }],
    }));

    // Act
    const result = await cli('import', seedFile(JSON.stringify({ tenants })), '--concurrency', '16');

    // Assess
    expect(result.code).toBe(0);
    const memberships = await registry.listMemberships(sub);
    expect(memberships.activeTenantId).toBe('shared-0');
    expect(memberships.memberships).toHaveLength(20);
  });

  it('lists tenants page by page as the registry returns them, as one JSON array with --json', async () => {
    // Prepare: 30 tenants, each with a binding and a member (items the listing filters out between tenants).
    const tenants = Array.from({ length: 30 }, (_, i) => ({
      tenantId: `paged-${i}`,
      name: `Paged ${i}`,
      tier: 'free',
      bindings: [{ kind: 'domain', domain: `paged-${i}.example` }],
      members: [{ sub: `paged-user-${i}` }],
    }));
    expect((await cli('import', seedFile(JSON.stringify({ tenants })))).code).toBe(0);

    // Act
    const pages: string[][] = [];
    for await (const page of registry.tenantPages(10)) pages.push(page.map((tenant) => tenant.tenantId));
    const asJson = await cli('--json', 'list');
    const asText = await cli('list');

    // Assess
    expect(pages.length).toBeGreaterThan(3);
    expect(pages.flat().sort()).toEqual(tenants.map((tenant) => tenant.tenantId).sort());
    expect(JSON.parse(asJson.out.join('\n'))).toEqual(
      expect.arrayContaining((await registry.listTenants()).map((tenant) => expect.objectContaining(tenant))),
    );
    expect(JSON.parse(asJson.out.join('\n'))).toHaveLength(30);
    expect(asText.out).toHaveLength(31);
    expect(asText.out[0]).toMatch(/^TENANT +TIER +STATUS +SEATS +NAME$/);
  });

  it('lists no tenants as an empty JSON array, and says so in text', async () => {
    // Act
    const asJson = await cli('--json', 'list');
    const asText = await cli('list');

    // Assess
    expect(asJson.out).toEqual(['[]']);
    expect(asText.out).toEqual(['(no tenants)']);
  });

  it('reports the progress of each phase of an import, tenant by tenant', async () => {
    // Prepare
    const { importSeed, parseSeed } = await import('../../shared/operations/tenant-seed');
    const { DEFAULT_TIERS } = await import('../../shared/registry/tiers');
    const seed = parseSeed(
      JSON.stringify({
        tenants: Array.from({ length: 5 }, (_, i) => ({ tenantId: `prog-${i}`, name: 'P', tier: 'free' })),
      }),
      DEFAULT_TIERS,
    );
    const progress: string[] = [];

    // Act
    await importSeed(registry, seed, {
      concurrency: 3,
      onProgress: (phase, done, total) => progress.push(`${phase} ${done}/${total}`),
    });

    // Assess
    expect(progress).toEqual([
      ...[1, 2, 3, 4, 5].map((done) => `check ${done}/5`),
      ...[1, 2, 3, 4, 5].map((done) => `write ${done}/5`),
    ]);
  });

  it.each(['0', '257', 'many', '1.5'])('refuses --concurrency %s before opening anything', async (value) => {
    // Act
    const result = await cli('import', SEED, '--concurrency', value);

    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toEqual(['error: --concurrency must be a whole number from 1 to 256']);
    expect(await registry.listTenants()).toEqual([]);
  });

  it.each(['0', '65', 'all'])('refuses --transactions %s before opening anything', async (value) => {
    // Act
    const result = await cli('import', SEED, '--transactions', value);

    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toEqual(['error: --transactions must be a whole number from 1 to 64']);
    expect(await registry.listTenants()).toEqual([]);
  });

  it('shows a tenant with its bindings and seat use', async () => {
    // Prepare
    await cli('import', SEED);

    // Act
    const shown = await cli('show', 'globex');

    // Assess
    expect(shown.code).toBe(0);
    const lines = shown.out.join('\n').split('\n');
    expect(lines).toContain('seats     2 of 10000');
    expect(lines).toContain('bindings  client globexbridgeclient0000000, domain globex.example');
  });

  it('lists the members of a tenant', async () => {
    // Prepare
    await cli('create', '--name', 'Acme', '--tier', 'free', '--id', 'acme');
    await registry.addMember({ tenantId: 'acme', sub: 'sub-1', role: 'tenant-admin', source: 'self-service' });

    // Act
    const members = await cli('members', 'acme');

    // Assess
    expect(members.code).toBe(0);
    expect(members.out[0]?.split('\n')[1]).toMatch(/^sub-1\s+tenant-admin\s+self-service\s+\d{4}-/);
  });

  it('unbinds a domain: the domain then resolves to no tenant and the tenant shows no bindings', async () => {
    // Prepare
    await cli('create', '--name', 'Acme', '--tier', 'free', '--id', 'acme');
    await cli('bind-domain', 'acme', 'acme.example');

    // Act
    const unbound = await cli('unbind-domain', 'acme', 'acme.example');
    const shown = await cli('show', 'acme');

    // Assess
    expect(unbound.code).toBe(0);
    expect(unbound.targets).toHaveLength(1);
    expect(unbound.out).toEqual(['unbound domain acme.example from acme']);
    expect(await registry.resolveBinding(makeBinding('domain', 'acme.example'))).toBeUndefined();
    expect(shown.out.join('\n').split('\n')).toContain('bindings  (none)');
  });

  it('shows "?" as the seat limit of a tenant whose tier TENANCY_TIERS no longer lists', async () => {
    // Prepare: created while a "gold" tier was configured, shown with the default tiers.
    const withGold = cliRunner({ AWS_ENDPOINT_URL_DYNAMODB: endpoint, TENANCY_TIERS: 'free=5,gold=50' }, [
      '--table',
      tableName,
    ]);
    await withGold('create', '--name', 'Golden', '--tier', 'gold', '--id', 'golden');

    // Act
    const shown = await cli('show', 'golden');
    const shownWithGold = await withGold('show', 'golden');

    // Assess
    expect(shown.code).toBe(0);
    expect(shown.out.join('\n').split('\n')).toContain('seats     0 of ?');
    expect(shownWithGold.out.join('\n').split('\n')).toContain('seats     0 of 50');
  });

  it('prints a trail that fits one page without a "more" line, and repeats --since and --user in the "more" line', async () => {
    // Prepare: two entries about the user (assigned, removed) and the tenant's creation.
    const sub = '7a3f9c2e-1b4d-4e8a-9c6f-2d5e8b1a0c47';
    await cli('create', '--name', 'Paged', '--tier', 'free', '--id', 'paged');
    await registry.addMember({ tenantId: 'paged', sub, role: 'tenant-member', source: 'invite' });
    await registry.removeMember('paged', sub);

    // Act
    const whole = await cli('audit', 'paged');
    const paged = await cli('audit', 'paged', '--since', '2000-01-01', '--user', sub, '--limit', '1');

    // Assess
    const wholeLines = whole.out.join('\n').split('\n');
    expect(wholeLines).toHaveLength(4);
    expect(wholeLines.some((line) => line.startsWith('more:'))).toBe(false);
    const pagedLines = paged.out.join('\n').split('\n');
    expect(pagedLines).toHaveLength(3);
    expect(pagedLines[1]).toMatch(/member-removed/);
    expect(pagedLines[2]).toMatch(
      new RegExp(
        `^more: npm run tenants -- audit paged --next \\S+ --since 2000-01-01T00:00:00.000Z --user ${sub} --limit 1$`,
      ),
    );
  });

  describe('refuses bad input with one line, a non-zero exit and no change', () => {
    beforeEach(async () => {
      await cli('create', '--name', 'Acme', '--tier', 'free', '--id', 'acme');
      await cli('create', '--name', 'Globex', '--tier', 'free', '--id', 'globex');
      await cli('bind-domain', 'globex', 'globex.example');
    });

    it.each([
      [
        'an unknown tier',
        ['set-tier', 'acme', 'platinum'],
        2,
        'error: unknown tier "platinum" (known tiers: free, standard, enterprise)',
      ],
      [
        'an unknown tier at creation',
        ['create', '--name', 'X', '--tier', 'gold', '--id', 'xco'],
        2,
        'error: unknown tier "gold" (known tiers: free, standard, enterprise)',
      ],
      ['a malformed domain', ['bind-domain', 'acme', 'not a domain'], 2, 'error: invalid e-mail domain "not a domain"'],
      [
        'a binding held by another tenant',
        ['bind-domain', 'acme', 'globex.example'],
        1,
        'error: domain globex.example is already bound to tenant globex',
      ],
      ['an unknown tenant', ['suspend', 'nobody'], 1, 'error: tenant nobody does not exist'],
      [
        'an unknown tenant to bind',
        ['bind-domain', 'nobody', 'nobody.example'],
        1,
        'error: tenant nobody does not exist',
      ],
      [
        'an invalid tenant id',
        ['show', 'Not_Valid'],
        2,
        'error: invalid tenant id "Not_Valid": use 3-63 lowercase letters, digits or inner hyphens',
      ],
      [
        'a malformed pool id',
        ['bind-pool', 'acme', 'pool-1'],
        2,
        'error: invalid user pool id "pool-1" (expected e.g. us-east-1_AbC123)',
      ],
      ['a missing argument', ['bind-domain', 'acme'], 2, 'error: usage: bind-domain <tenantId> <emailDomain>'],
      ['an unknown command', ['explode', 'acme'], 2, 'error: unknown command "explode" (run with --help for the list)'],
      [
        'an unknown option',
        ['list', '--force'],
        2,
        'error: unknown option --force (run "npm run tenants -- list --help" for its options)',
      ],
      [
        "another command's option",
        ['list', '--name', 'x'],
        2,
        'error: unknown option --name (run "npm run tenants -- list --help" for its options)',
      ],
    ])('%s', async (_case, argv, expectedCode, expectedLine) => {
      // Prepare
      const before = await registry.listTenants();
      const acmeBindings = await registry.listBindings('acme');

      // Act
      const result = await cli(...argv);

      // Assess
      expect(result.code).toBe(expectedCode);
      expect(result.err).toEqual([expectedLine]);
      expect(result.out).toEqual([]);
      expect(await registry.listTenants()).toEqual(before);
      expect(await registry.listBindings('acme')).toEqual(acmeBindings);
    });

    it('a seed file with one bad tenant imports nothing', async () => {
      // Prepare
      const before = await registry.listTenants();
      const seed = JSON.stringify({
        tenants: [
          { tenantId: 'fresh', name: 'Fresh', tier: 'free', bindings: [{ kind: 'domain', domain: 'fresh.example' }] },
          {
            tenantId: 'stealer',
            name: 'Stealer',
            tier: 'free',
            bindings: [{ kind: 'domain', domain: 'globex.example' }],
          },
        ],
      });
      const file = seedFile(seed);

      // Act
      const result = await cli('import', file);

      // Assess
      expect(result.code).toBe(1);
      expect(result.err).toEqual(['error: domain globex.example is already bound to tenant globex']);
      expect(await registry.listTenants()).toEqual(before);
      expect(await registry.resolveBinding(makeBinding('domain', 'fresh.example'))).toBeUndefined();
    });
  });

  it('never reactivates a suspended tenant to give it the members a seed lists', async () => {
    // Prepare
    await cli('create', '--name', 'Acme', '--tier', 'free', '--id', 'acme');
    await cli('suspend', 'acme');
    const file = seedFile(
      JSON.stringify({
        tenants: [{ tenantId: 'acme', name: 'Acme', tier: 'free', status: 'active', members: [{ sub: 'user-1' }] }],
      }),
    );

    // Act
    const result = await cli('import', file);

    // Assess
    expect(result.code).toBe(1);
    expect(result.err).toEqual(['error: tenant acme is suspended']);
    expect(await registry.requireTenant('acme')).toMatchObject({ status: 'suspended', seats: 0 });
    expect(await registry.getUserTenantId('user-1')).toBeUndefined();
  });

  it('runs as `npm run tenants` with its exit code and error line', async () => {
    // Prepare
    const run = promisify(execFile);

    // Act
    const failure = await run(process.execPath, ['--import', 'tsx', 'cli/tenants.ts', 'set-tier', 'Bad_Id', 'free'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' },
    }).catch((error: { code: number; stderr: string }) => error);

    // Assess
    expect(failure).toMatchObject({
      code: 2,
      stderr: 'error: invalid tenant id "Bad_Id": use 3-63 lowercase letters, digits or inner hyphens\n',
    });
  });
});

describe('tenants CLI target: never guessed, always shown before a write', () => {
  let test: Awaited<ReturnType<typeof createTestRegistry>>;

  beforeEach(async () => {
    test = await createTestRegistry();
  });

  /** A CLI whose `openRegistry` is recorded: what it was asked to open, and what stderr said before. */
  function recordingCli(env: Record<string, string>) {
    const events: string[] = [];
    const opened: unknown[] = [];
    const cli = cliRunner(env, [], {
      err: (line) => events.push(`stderr ${line}`),
      openRegistry: async (target, tiers) => {
        opened.push(target);
        events.push('open registry');
        const { openRegistry } = await import('../../cli/target');
        return openRegistry(target, tiers);
      },
    });
    return { cli, events, opened };
  }

  it('exits 2 with one line of guidance and opens nothing when no target is configured', async () => {
    // Prepare: no --local, no table, no region, no endpoint
    const { cli, events, opened } = recordingCli({});

    // Act
    const result = await cli('list');

    // Assess
    expect(result.code).toBe(2);
    expect(result.out).toEqual([]);
    expect(events).toEqual([
      'stderr error: no registry chosen: pass --local, or --table <name> and --region <region> (or set TENANCY_TABLE_NAME and AWS_REGION)',
    ]);
    expect(opened).toEqual([]);
  });

  it('exits 2 when a table is named without a region, or a region without a table', async () => {
    // Act
    const tableOnly = await recordingCli({}).cli('suspend', 'acme', '--table', 'registry');
    const regionOnly = await recordingCli({ AWS_REGION: 'eu-west-1' }).cli('suspend', 'acme');

    // Assess
    expect([tableOnly.code, regionOnly.code]).toEqual([2, 2]);
  });

  it('chooses the named table in the named region, and says so before writing', async () => {
    // Prepare: the AWS target is recorded, then refused before any request leaves the machine
    const events: string[] = [];
    const cli = cliRunner({}, [], {
      err: (line) => events.push(line),
      openRegistry: async (target) => {
        events.push(`open ${JSON.stringify(target)}`);
        throw new Error('not opened in tests');
      },
    });

    // Act
    const result = await cli('suspend', 'acme', '--table', 'prod-registry', '--region', 'eu-west-1');

    // Assess
    expect(result.code).toBe(1);
    expect(events).toEqual([
      'target: DynamoDB table prod-registry in eu-west-1',
      'open {"kind":"aws","table":"prod-registry","region":"eu-west-1"}',
      'error: not opened in tests',
    ]);
  });

  it('prints the target of a writing command on stderr before it opens the registry, and none for a read', async () => {
    // Prepare
    const { cli, events } = recordingCli({ AWS_ENDPOINT_URL_DYNAMODB: test.endpoint });

    // Act
    const created = await cli('create', '--name', 'Acme', '--tier', 'free', '--id', 'acme', '--table', test.tableName);
    const listed = await cli('list', '--table', test.tableName);

    // Assess
    expect([created.code, listed.code]).toEqual([0, 0]);
    expect(events).toEqual([
      `stderr target: DynamoDB at ${test.endpoint}, table ${test.tableName}`,
      'open registry',
      'open registry',
    ]);
  });

  it('validates a whole seed file before any I/O: one bad tenant, nothing written and nothing opened', async () => {
    // Prepare: the second tenant's name is blank
    const { cli, events, opened } = recordingCli({ AWS_ENDPOINT_URL_DYNAMODB: test.endpoint });
    const file = seedFile(
      JSON.stringify({
        tenants: [
          { tenantId: 'fresh', name: 'Fresh', tier: 'free', bindings: [{ kind: 'domain', domain: 'fresh.example' }] },
          { tenantId: 'blank', name: '   ', tier: 'free' },
        ],
      }),
    );

    // Act
    const result = await cli('import', file, '--table', test.tableName);

    // Assess
    expect(result.code).toBe(2);
    expect(events).toEqual(['stderr error: tenants[1]: tenant name must be 1-128 printable characters']);
    expect(opened).toEqual([]);
    expect(await test.registry.listTenants()).toEqual([]);
  });

  it.each([
    ['an unknown tier', { tenantId: 'x-co', name: 'X', tier: 'gold' }, 'tenants[1]: unknown tier "gold"'],
    [
      'a bad role mapping',
      { tenantId: 'x-co', name: 'X', tier: 'free', roleMappings: { Admins: 'no,commas' } },
      'tenants[1]: invalid role "no,commas" for IdP group "Admins"',
    ],
    [
      'a bad member role',
      { tenantId: 'x-co', name: 'X', tier: 'free', members: [{ sub: 'user-9', role: '#admin' }] },
      'tenants[1].members[0]: invalid role "#admin"',
    ],
    [
      'a bad binding',
      { tenantId: 'x-co', name: 'X', tier: 'free', bindings: [{ kind: 'pool', userPoolId: 'pool-1' }] },
      'tenants[1].bindings[0]: invalid user pool id "pool-1"',
    ],
  ])('refuses a seed file with %s and writes nothing', async (_case, bad, message) => {
    // Prepare
    const cli = cliRunner({ AWS_ENDPOINT_URL_DYNAMODB: test.endpoint }, ['--table', test.tableName]);
    const file = seedFile(JSON.stringify({ tenants: [{ tenantId: 'fresh', name: 'Fresh', tier: 'free' }, bad] }));

    // Act
    const result = await cli('import', file);

    // Assess
    expect(result.code).toBe(2);
    expect(result.err[0]).toContain(message);
    expect(await test.registry.listTenants()).toEqual([]);
  });

  it('completes an import that failed on an I/O error when run again, without duplicates', async () => {
    // Prepare: a registry whose DynamoDB fails the first transaction (the one creating the seed's five new tenants)
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { opened } = await import('../../cli/target');
    const { LOCAL_CREDENTIALS } = await import('../../local/dynamodb-local');
    const flaky = new DynamoDBClient({ endpoint: test.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    let transactions = 0;
    flaky.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand' && ++transactions === 1) {
          throw new Error('connection reset');
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const failing = cliRunner({}, ['--local'], {
      openRegistry: async (_target, tiers) => opened(flaky, test.tableName, tiers, async () => flaky.destroy()),
    });
    const cli = cliRunner({ AWS_ENDPOINT_URL_DYNAMODB: test.endpoint }, ['--table', test.tableName]);

    // Act
    const first = await failing('import', SEED);
    const half = (await test.registry.listTenants()).map((t) => t.tenantId);
    const second = await cli('import', SEED);
    const third = await cli('import', SEED);

    // Assess
    expect(first.code).toBe(1);
    expect(first.err).toEqual(['error: tenant registry unavailable during importTenants: Error: connection reset']);
    // New tenants are created whole, in one transaction: none is half-written.
    expect(half).toEqual([]);
    expect(second.code).toBe(0);
    expect(third.out).toEqual(['imported 5 tenant(s): 0 created, 5 updated, 6 binding(s), 0 new member(s)']);
    expect((await test.registry.listTenants()).map((t) => [t.tenantId, t.status, t.seats])).toEqual([
      ['acme', 'active', 4],
      ['globex', 'active', 2],
      ['hooli', 'active', 0],
      ['initech', 'suspended', 1],
      ['vandelay', 'disabled', 1],
    ]);
    const members = await Promise.all(
      ['acme', 'globex', 'initech', 'vandelay'].map((id) => test.registry.listMembers(id)),
    );
    expect(members.map((list) => list.length)).toEqual([4, 2, 1, 1]);
  });

  it('exits 2 as `npm run tenants -- list` when nothing AWS is configured', async () => {
    // Prepare: the environment of a shell without AWS or tenancy settings
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('TENANCY_')),
    );

    // Act
    const failure = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/tenants.ts', 'list'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env,
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);

    // Assess
    expect(failure).toMatchObject({
      code: 2,
      stdout: '',
      stderr:
        'error: no registry chosen: pass --local, or --table <name> and --region <region> (or set TENANCY_TABLE_NAME and AWS_REGION)\n',
    });
  });

  it('shows each command its own options with --help', async () => {
    // Prepare
    const cli = cliRunner({});

    // Act
    const help = await cli('create', '--help');
    const overall = await cli('--help');

    // Assess
    expect(help.code).toBe(0);
    expect(help.out[0]).toContain('usage: npm run tenants -- create [options]');
    expect(help.out[0]).toMatch(/--tier <tier>\s+one of the tiers of TENANCY_TIERS/);
    expect(help.out[0]).toMatch(/--local\s+the local DynamoDB Local harness/);
    expect(overall.out[0]).toMatch(/^ {2}set-tier <tenantId> <tier>\s+change a tenant's tier$/m);
  });
});

describe('tenants CLI on the --local harness', () => {
  // Two runs, each starting its own DynamoDB Local on the same data directory.
  const budget = startBudgetMs(2);
  const home = mkdtempSync(join(tmpdir(), 'tenancy-cli-local-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it(
    'creates its data directory on first use and keeps the registry there from one run to the next',
    async () => {
      // Prepare: the data directory does not exist yet.
      const dataDir = join(home, 'nested', 'dynamodb');
      const cli = cliRunner({}, ['--local'], { localDataDir: dataDir });

      // Act
      const created = await cli('create', '--name', 'Local Co', '--tier', 'free', '--id', 'localco');
      const listed = await cli('list', '--json');

      // Assess
      expect(created.code).toBe(0);
      expect(created.targets).toEqual([`target: local DynamoDB (data in ${dataDir}), table cognito-tenancy-local`]);
      expect(existsSync(dataDir)).toBe(true);
      expect(listed.code).toBe(0);
      expect((JSON.parse(listed.out.join('\n')) as { tenantId: string }[]).map((t) => t.tenantId)).toEqual(['localco']);
    },
    budget,
  );
});
