import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, vi } from 'vitest';
import { START_TIMEOUT_ENV, startTimeoutMs } from '../../local/start-timeout';

/** The repository root, where `npm run demo` and `npm run replay` run. */
export const root = join(import.meta.dirname, '..', '..');

// Every folder made for the importing test file, removed after its tests.
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test file. */
function freshDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A PATH with node (and `extra` tools from the PATH, e.g. npm, jq) but no java: DynamoDB Local cannot start. */
export function pathWithoutJava(extra: readonly string[] = []): string {
  const dir = freshDir('tenancy-nojava-');
  symlinkSync(process.execPath, join(dir, 'node'));
  for (const tool of extra) {
    const found = (process.env.PATH ?? '')
      .split(':')
      .map((folder) => join(folder, tool))
      .find((file) => existsSync(file));
    if (found !== undefined) symlinkSync(found, join(dir, tool));
  }
  return dir;
}

/** What a run of a local tool did. */
export interface ToolRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What the run left in its own TMPDIR (tsx's compile cache excepted). */
  readonly tempLeft: string[];
}

export interface ToolOptions {
  readonly path?: string;
  /** Send SIGINT once the stack bundles the functions (its bundle folder exists): Ctrl-C during start-up. */
  readonly interruptWhileBundling?: boolean;
}

/**
 * Runs `local/<tool>.ts` as `npm run <tool>` does (through tsx), with its own TMPDIR, the run's start-up limit
 * and a minimal environment. With `interruptWhileBundling`, the result also says whether the stack's bundle
 * folder (named on stderr) outlived the run.
 */
export async function runTool(
  tool: 'demo' | 'replay',
  args: readonly string[],
  options: ToolOptions = {},
): Promise<ToolRun & { workFolder?: string; workFolderLeft?: boolean }> {
  const tmp = freshDir(`tenancy-${tool}-`);
  const child = spawn(
    process.execPath,
    ['--conditions=cognito-tenancy-source', '--import', 'tsx', `local/${tool}.ts`, ...args],
    {
      cwd: root,
      env: {
        PATH: options.path ?? process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TMPDIR: tmp,
        TSX_DISABLE_CACHE: '1',
        [START_TIMEOUT_ENV]: String(startTimeoutMs()),
      },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const bundling = new Promise<string>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const folder = /bundling the functions in (\.esbuild-offline-[0-9a-f]+)/.exec(stderr)?.[1];
      if (folder !== undefined) resolve(folder);
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let workFolder: string | undefined;
  if (options.interruptWhileBundling === true) {
    // A tool that exits before it bundles (its stack failed to start) is reported as it is, not waited on.
    workFolder = await Promise.race([bundling, exited.then(() => undefined)]);
  }
  if (workFolder !== undefined) {
    const folder = join(root, workFolder);
    // Bounded poll until serverless-esbuild has made the folder, so the interruption has something to remove.
    await vi.waitFor(() => expect(existsSync(folder)).toBe(true), { timeout: startTimeoutMs(), interval: 20 });
    child.kill('SIGINT');
  }
  const code = await exited;
  const tempLeft = readdirSync(tmp).filter((entry) => !entry.startsWith('tsx-'));
  return {
    code,
    stdout,
    stderr,
    tempLeft,
    ...(workFolder === undefined ? {} : { workFolder, workFolderLeft: existsSync(join(root, workFolder)) }),
  };
}
