import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildFunctionBundle,
  bundleIdentifiers,
  type FunctionBundle,
  functionEntries,
} from '../../local/function-bundle';

// Operator-only SDK commands: a table scan and user-pool administration that no Lambda performs.
const OPERATOR_COMMANDS = ['ScanCommand', 'AdminCreateUserCommand', 'ListUsersCommand'] as const;

/** Which operator commands a bundle carries: by source-map identifier, or by the operation name in the code. */
function operatorCommandsIn(bundle: FunctionBundle): string[] {
  const identifiers = bundleIdentifiers(bundle);
  const code = bundle.jsFiles.map((file) => readFileSync(file, 'utf8')).join('\n');
  return OPERATOR_COMMANDS.filter(
    (command) => identifiers.has(command) || code.includes(`"${command.slice(0, -'Command'.length)}"`),
  );
}

describe('Lambda bundles, built with the deployed esbuild options', () => {
  let out: string;
  const bundles: FunctionBundle[] = [];
  let operatorBundle: FunctionBundle;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'tenancy-bundles-'));
    for (const entry of functionEntries()) bundles.push(await buildFunctionBundle(entry, out));
    // A control entry that does use the operator classes: proves the detector sees what it looks for.
    const control = join(out, 'operator-control.ts');
    const shared = join(__dirname, '..', '..', 'shared');
    writeFileSync(
      control,
      [
        `import { DirectoryAdmin } from '${join(shared, 'cognito', 'directory-admin')}';`,
        `import { TenantAdmin } from '${join(shared, 'registry', 'tenant-admin')}';`,
        'export const handler = async () => [TenantAdmin, DirectoryAdmin];',
      ].join('\n'),
    );
    operatorBundle = await buildFunctionBundle(control, out);
  }, 120_000);

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
});
