import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { POLICY_FOLDER } from '../../shared/cedar/stores/policy-files';
import { PolicyStoreAdmin } from '../../shared/cedar/stores/policy-store-admin';
import { type Cli, cliRunner } from '../support/cli';
import { FakeAvp } from '../support/fake-avp';
import { createTestRegistry } from '../support/registry';

// An edited copy of policies/: one policy changed, one added.
const edited = mkdtempSync(join(tmpdir(), 'tenancy-policies-'));
cpSync(POLICY_FOLDER, edited, { recursive: true });
writeFileSync(
  join(edited, 'global', 'no-deletes.cedar'),
  'forbid (principal, action == Tenancy::Action::"DeleteDocument", resource);',
);
afterAll(() => rmSync(edited, { recursive: true, force: true }));

describe('tenants policy-store and policies commands', () => {
  let cli: Cli;
  let stores: PolicyStoreAdmin;

  // A fresh registry per test: every test states what it starts from, so any order (or one test alone) passes.
  beforeEach(async () => {
    const test = await createTestRegistry();
    stores = new PolicyStoreAdmin({ client: test.client, tableName: test.tableName });
    cli = cliRunner({ AWS_ENDPOINT_URL_DYNAMODB: test.endpoint, AWS_REGION: 'us-east-1' }, ['--table', test.tableName]);
    for (const id of ['acme', 'globex']) await test.registry.createTenant({ tenantId: id, name: id, tier: 'standard' });
  });

  it('creates the embedded policy set of a tenant, once, and shows it in sync', async () => {
    // Act
    const first = await cli('policy-store', 'create', 'acme');
    const again = await cli('policy-store', 'create', 'acme');
    const shown = await cli('policies', 'show', 'acme', '--json');

    // Assess
    expect(first).toMatchObject({ code: 0, out: ['created embedded policy set for acme'], err: [] });
    expect(first.targets).toHaveLength(1);
    expect(again.out).toEqual(['acme already has its embedded policy set; brought up to date']);
    expect(JSON.parse(shown.out.join('\n'))).toMatchObject({
      tenantId: 'acme',
      engine: 'embedded',
      version: 1,
      drift: [],
    });
  });

  it('reports drift per store on --dry-run without changing anything, then syncs every store', async () => {
    // Prepare: acme has the repository's policy set, globex none.
    await cli('policy-store', 'create', 'acme');

    // Act
    const dry = await cli('policies', 'sync', '--dry-run', '--policies', edited);
    const versionAfterDry = (await stores.getRecord('acme'))?.version;
    const sync = await cli('policies', 'sync', '--policies', edited);
    const rerun = await cli('policies', 'sync', '--policies', edited);

    // Assess
    expect(dry.out.join('\n').split('\n')).toEqual(['acme: drift', '  add policy no-deletes', 'globex: missing']);
    expect(versionAfterDry).toBe(1);
    expect(sync.out.join('\n').split('\n')).toEqual(['acme: updated', '  add policy no-deletes', 'globex: missing']);
    expect(rerun.out.join('\n').split('\n')).toEqual(['acme: in-sync', 'globex: missing']);
    expect(Object.keys((await stores.getRecord('acme'))?.policies ?? {})).toContain('no-deletes');
  });

  it('creates and shows an AVP policy store with --engine avp', async () => {
    // Prepare
    const avp = new FakeAvp();

    try {
      // Act
      const created = await cli('policy-store', 'create', 'globex', '--engine', 'avp');
      const shown = await cli('policies', 'show', 'globex', '--engine', 'avp');

      // Assess
      const [storeId] = [...avp.stores.keys()];
      expect(created.out).toEqual([`created AVP policy store ${storeId} for globex`]);
      expect(shown.out.join('\n')).toContain(`engine     avp (store ${storeId})`);
      expect(shown.out.join('\n')).toContain('drift      none');
    } finally {
      avp.restore();
    }
  });

  it("shows an embedded store's policies, templates and drift from the policy folder as text", async () => {
    // Prepare: acme holds the repository's policy set; the edited folder adds one policy.
    await cli('policy-store', 'create', 'acme');

    // Act
    const shown = await cli('policies', 'show', 'acme', '--policies', edited);

    // Assess
    expect(shown.code).toBe(0);
    const lines = shown.out.join('\n').split('\n');
    expect(lines.slice(0, 3)).toEqual(['tenant     acme', 'engine     embedded', 'version    1']);
    expect(lines[3]).toMatch(/^policies {3}\S/);
    expect(lines[3]).not.toContain('no-deletes');
    expect(lines[4]).toMatch(/^templates {2}\S/);
    expect(lines[5]).toBe('drift      add policy no-deletes');
  });

  it('exits 1 and names the store whose AVP sync failed, and a re-run completes it', async () => {
    // Prepare: both tenants have an AVP store; the edited folder adds a policy to each.
    const avp = new FakeAvp();
    try {
      await cli('policy-store', 'create', 'acme', '--engine', 'avp');
      await cli('policy-store', 'create', 'globex', '--engine', 'avp');
      // The first write of the sync (acme's new policy) is throttled.
      avp.failOnWrite = avp.writes + 1;

      // Act
      const failed = await cli('policies', 'sync', '--engine', 'avp', '--policies', edited);
      const rerun = await cli('policies', 'sync', '--engine', 'avp', '--policies', edited);

      // Assess
      expect(failed.code).toBe(1);
      expect(failed.out.join('\n').split('\n')).toEqual([
        'acme: failed (ThrottlingException)',
        'globex: updated',
        '  add policy no-deletes',
      ]);
      expect(rerun.code).toBe(0);
      expect(rerun.out.join('\n').split('\n')).toEqual(['acme: updated', '  add policy no-deletes', 'globex: in-sync']);
    } finally {
      avp.restore();
    }
  });

  it('refuses an unknown engine and a policy folder that does not validate, before writing anything', async () => {
    // Prepare: acme has its policy set, which a refused sync must leave as it is.
    await cli('policy-store', 'create', 'acme');
    const broken = mkdtempSync(join(tmpdir(), 'tenancy-broken-policies-'));
    cpSync(POLICY_FOLDER, broken, { recursive: true });
    writeFileSync(join(broken, 'global', 'bad.cedar'), 'permit (principal, action, resource) when { resource.nope };');

    // Act
    const engine = await cli('policies', 'sync', '--engine', 'opa');
    const invalid = await cli('policies', 'sync', '--policies', broken);
    rmSync(broken, { recursive: true, force: true });

    // Assess
    expect([engine.code, engine.err]).toEqual([2, ['error: --engine must be one of embedded, avp']]);
    expect(invalid.code).toBe(2);
    expect(invalid.err[0]).toMatch(/^error: policy bad does not validate against the schema/);
    const policies = Object.keys((await stores.getRecord('acme'))?.policies ?? {});
    expect(policies.length).toBeGreaterThan(0);
    expect(policies).not.toContain('bad');
  });
});
