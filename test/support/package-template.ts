import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';
import { startBudgetMs } from '../../local/start-timeout';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are untyped JSON; the tests read them freely.
export type Resource = { Type: string; Properties: Record<string, any> };
export type Template = { Resources: Record<string, Resource> };

const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

// Every package folder made for the importing test file, removed after its tests (none is left in the temp dir).
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * `serverless package` exactly as `npm run package` runs it, offline and without credentials; the template it
 * wrote, the folder holding it (with the function zips), what it left in its temp directory, and what it printed.
 */
export async function packageTemplate(
  params: Record<string, string>,
): Promise<{ template: Template; dir: string; tempLeftovers: string[]; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sls-package-'));
  // The packaging's own temp directory, empty at the start: whatever is in it afterwards, the run left behind.
  const temp = mkdtempSync(join(tmpdir(), 'sls-package-tmp-'));
  made.push(dir, temp);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    TMPDIR: temp,
    // Its own bundle folder, so a local stack running beside this test keeps its bundles.
    SLS_ESBUILD_WORK_FOLDER: `.esbuild-package-${randomUUID().slice(0, 8)}`,
  };
  const { stdout, stderr } = await run(
    process.execPath,
    [
      join(root, 'node_modules', 'serverless', 'bin', 'serverless.js'),
      'package',
      '--stage',
      'prod',
      '--package',
      dir,
      ...Object.entries(params).map(([key, value]) => `--param=${key}=${value}`),
    ],
    { cwd: root, env, timeout: startBudgetMs(2) },
  );
  const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  return { template, dir, tempLeftovers: readdirSync(temp), output: `${stdout}${stderr}` };
}
