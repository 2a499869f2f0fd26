import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  buildFunctionBundle,
  bundleIdentifiers,
  type FunctionBundle,
  functionEntries,
} from '../../local/function-bundle';
import { repositoryPolicySet } from '../../local/policy-sets';
import { startBudgetMs } from '../../local/start-timeout';

// Operator-only SDK commands: a table scan and user-pool administration that no Lambda performs.
const OPERATOR_COMMANDS = ['ScanCommand', 'AdminCreateUserCommand', 'ListUsersCommand'] as const;

/** Functions in functions/ that decide with Cedar (and so may carry cedar-wasm, in an on-demand chunk). */
const DECIDING_FUNCTIONS = new Set<string>(['documents']);

/** Which operator commands a bundle carries: by source-map identifier, or by the operation name in the code. */
function operatorCommandsIn(bundle: FunctionBundle): string[] {
  const identifiers = bundleIdentifiers(bundle);
  const code = bundle.jsFiles.map((file) => readFileSync(file, 'utf8')).join('\n');
  return OPERATOR_COMMANDS.filter(
    (command) => identifiers.has(command) || code.includes(`"${command.slice(0, -'Command'.length)}"`),
  );
}

const wasmFiles = (bundle: FunctionBundle) =>
  (readdirSync(dirname(bundle.file), { recursive: true }) as string[]).filter((file) => file.endsWith('.wasm'));
const carriesCedar = (bundle: FunctionBundle) =>
  bundle.jsFiles.some((file) => readFileSync(file, 'utf8').includes('statefulIsAuthorized'));

// Building every bundle is bound by the machine's speed, like a start-up.
vi.setConfig({ hookTimeout: startBudgetMs(2) });

describe('Lambda bundles, built with the deployed esbuild options', () => {
  let out: string;
  const bundles: FunctionBundle[] = [];
  let operatorBundle: FunctionBundle;
  let deciding: FunctionBundle;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'tenancy-bundles-'));
    for (const entry of functionEntries()) bundles.push(await buildFunctionBundle(entry, out));
    const shared = join(__dirname, '..', '..', 'shared');
    // A control entry that does use the operator classes: proves the detector sees what it looks for.
    const control = join(out, 'operator-control.ts');
    writeFileSync(
      control,
      [
        `import { DirectoryAdmin } from '${join(shared, 'cognito', 'directory-admin')}';`,
        `import { TenantAdmin } from '${join(shared, 'registry', 'tenant-admin')}';`,
        'export const handler = async () => [TenantAdmin, DirectoryAdmin];',
      ].join('\n'),
    );
    operatorBundle = await buildFunctionBundle(control, out);
    // A deciding function as a service would write one: decider at cold start, one decision per request.
    const { policies, templates } = repositoryPolicySet();
    const record = { tenantId: 'acme', version: 1, policies, templates, avpTemplateIds: {}, updatedAt: '' };
    const decidingEntry = join(out, 'deciding-control.ts');
    writeFileSync(
      decidingEntry,
      [
        `import { deciderFromEnv } from '${join(shared, 'policies', 'decider-from-env')}';`,
        `const record = ${JSON.stringify(record)};`,
        'const decider = deciderFromEnv({}, { stores: { getRecord: async () => record }, links: { listLinks: async () => [] } });',
        'export const handler = async (event) => decider.decide(event);',
      ].join('\n'),
    );
    deciding = await buildFunctionBundle(decidingEntry, out);
  });

  afterAll(() => {
    if (out !== undefined) rmSync(out, { recursive: true, force: true });
  });

  it('builds every function in functions/', () => {
    // Assess
    expect(bundles.map((bundle) => bundle.name)).toEqual(
      expect.arrayContaining(['authorizer', 'post-confirmation', 'pre-sign-up', 'pre-token-generation']),
    );
  });

  it('finds the operator commands in a bundle that imports the operator classes', () => {
    // Act
    const found = operatorCommandsIn(operatorBundle);

    // Assess
    expect(found).toEqual([...OPERATOR_COMMANDS]);
  });

  it('ships no trigger or authorizer bundle with ScanCommand, AdminCreateUserCommand or ListUsersCommand', () => {
    // Act
    const found = Object.fromEntries(bundles.map((bundle) => [bundle.name, operatorCommandsIn(bundle)]));

    // Assess
    for (const bundle of bundles) expect(found[bundle.name], bundle.name).toEqual([]);
  });

  it('puts the engine and its WebAssembly file in an on-demand chunk of a deciding function, and it decides', async () => {
    // Prepare
    const { handler } = (await import(pathToFileURL(deciding.file).href)) as {
      handler: (event: unknown) => Promise<{ decision: string }>;
    };
    const request = (sub: string) => ({
      principal: { sub, tenantId: 'acme', groups: ['tenant-member'] },
      action: 'UpdateDocument',
      resource: { kind: 'document', id: 'd', tenantId: 'acme', ownerSub: 'alice' },
    });

    // Act
    const owner = await handler(request('alice'));
    const other = await handler(request('bob'));

    // Assess
    expect([owner.decision, other.decision]).toEqual(['allow', 'deny']);
    expect(
      wasmFiles(deciding).map((file) => relative(dirname(deciding.file), join(dirname(deciding.file), file))),
    ).toEqual([expect.stringMatching(/^chunks\/(.+\/)?cedar_wasm_bg\.wasm$/)]);
    expect(readFileSync(deciding.file, 'utf8')).not.toContain('statefulIsAuthorized');
    expect(carriesCedar(deciding)).toBe(true);
  });

  it('ships no cedar-wasm, file or code, in any function that does not decide', () => {
    // Act
    const carrying = bundles
      .filter((bundle) => !DECIDING_FUNCTIONS.has(bundle.name))
      .filter((bundle) => wasmFiles(bundle).length > 0 || carriesCedar(bundle))
      .map((bundle) => bundle.name);

    // Assess
    expect(bundles.length).toBeGreaterThan(0);
    expect(carrying).toEqual([]);
    expect(existsSync(deciding.file)).toBe(true);
  });
});
