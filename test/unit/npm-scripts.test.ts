import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SOURCE_CONDITION = '--conditions=cognito-tenancy-source';
// A suite module that imports the workspace package `@cognito-tenancy/tenant-context`: run as an entry point, it
// only resolves when the package resolves to its sources (a clone has no `dist/` until the package is built).
const PACKAGE_IMPORTER = 'shared/authorizer/token-verifier.ts';

/** The npm scripts that run this repository's TypeScript through tsx, each as its argument list. */
function tsxScripts(): Array<[string, string[]]> {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  return Object.entries(manifest.scripts)
    .filter(([, line]) => line.startsWith('tsx '))
    .map(([name, line]) => [name, line.split(' ').slice(1)]);
}

describe('npm scripts run through tsx', () => {
  it('are found, so the checks below cover the tools users run', () => {
    // Act
    const names = tsxScripts().map(([name]) => name);

    // Assess
    expect(names).toEqual(expect.arrayContaining(['tenants', 'bench', 'demo', 'replay', 'test:loaded']));
  });

  it.each(tsxScripts())('%s resolves the workspace package to its sources, as tests and bundles do', (_, args) => {
    // Assess
    expect(args[0]).toBe(SOURCE_CONDITION);
  });

  it('load a module that imports the workspace package in a clone where the package is not built', async () => {
    // Prepare: the flags the scripts pass to tsx, with a module that imports the package as the entry point.
    const flags = tsxScripts()[0]?.[1].filter((arg) => arg.startsWith('--')) ?? [];
    const tsx = 'node_modules/tsx/dist/cli.mjs';

    // Act
    const resolved = await run(process.execPath, [tsx, ...flags, PACKAGE_IMPORTER]).then(
      () => 'resolved',
      (error: Error) => error.message,
    );

    // Assess
    expect(resolved).toBe('resolved');
  });
});
