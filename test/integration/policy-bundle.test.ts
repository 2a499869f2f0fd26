import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctionBundle, type FunctionBundle, functionEntries } from '../../local/function-bundle';
import { repositoryPolicySet } from '../../local/policy-sets';

/** Functions in functions/ that decide with Cedar (and so may carry cedar-wasm, in an on-demand chunk). */
const DECIDING_FUNCTIONS = new Set<string>(['documents']);

const wasmFiles = (bundle: FunctionBundle) =>
  (readdirSync(dirname(bundle.file), { recursive: true }) as string[]).filter((file) => file.endsWith('.wasm'));
const carriesCedar = (bundle: FunctionBundle) =>
  bundle.jsFiles.some((file) => readFileSync(file, 'utf8').includes('statefulIsAuthorized'));

describe('cedar-wasm in Lambda bundles', () => {
  let out: string;
  let deciding: FunctionBundle;
  const bundles: FunctionBundle[] = [];

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'tenancy-policy-bundles-'));
    for (const entry of functionEntries()) bundles.push(await buildFunctionBundle(entry, out));
    // A deciding function as a service would write one: decider at cold start, one decision per request.
    const shared = join(__dirname, '..', '..', 'shared');
    const { policies, templates } = repositoryPolicySet();
    const record = { tenantId: 'acme', version: 1, policies, templates, avpTemplateIds: {}, updatedAt: '' };
    const entry = join(out, 'deciding-control.ts');
    writeFileSync(
      entry,
      [
        `import { deciderFromEnv } from '${join(shared, 'policies', 'decider-from-env')}';`,
        `const record = ${JSON.stringify(record)};`,
        'const decider = deciderFromEnv({}, { stores: { getRecord: async () => record }, links: { listLinks: async () => [] } });',
        'export const handler = async (event) => decider.decide(event);',
      ].join('\n'),
    );
    deciding = await buildFunctionBundle(entry, out);
  }, 120_000);

  afterAll(() => {
    if (out !== undefined) rmSync(out, { recursive: true, force: true });
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
