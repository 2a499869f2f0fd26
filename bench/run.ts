/**
 * `npm run bench [-- [--quick] name…]`: runs every `bench/*.bench.ts` (or the named ones), one after another, each in
 * a fresh Node process of its own. Each bench module exports `default async function run(): Promise<void>` that
 * prints its figures. Figures are ratios against a baseline measured in the same run: the machines are shared and
 * noisy. A failing bench does not stop the others; the run exits 1 naming it.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { onProcessExit } from '../local/child-process';

process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const here = dirname(fileURLToPath(import.meta.url));
const script = fileURLToPath(import.meta.url);
/** The argument by which this script, run as a child, is told to run one bench file in its own process. */
const ONE_FILE = '--bench-file';
const args = process.argv.slice(2);

if (args[0] === ONE_FILE && args[1] !== undefined) {
  const module = (await import(pathToFileURL(join(here, args[1])).href)) as { default: () => Promise<void> };
  await module.default();
} else {
  // `--quick`: smaller data sets and fewer rounds (bench/options.ts), for a busy machine; children inherit it.
  if (args.includes('--quick')) process.env.BENCH_QUICK = '1';
  const wanted = args.filter((arg) => !arg.startsWith('--'));
  const files = readdirSync(here)
    .filter((file) => file.endsWith('.bench.ts'))
    .filter((file) => wanted.length === 0 || wanted.some((name) => file.startsWith(name)))
    .sort();
  if (files.length === 0) {
    process.stderr.write(`bench: no bench/*.bench.ts starts with ${wanted.join(' or ')}\n`);
    process.exit(2);
  }
  const failed: string[] = [];
  for (const file of files) {
    console.log(`\n# ${file}`);
    // Its own process: a bench must not time code in a heap, JIT state and garbage another bench left behind
    // (claim shaping measured after the 10,000-tenant import ran at twice its cost alone).
    const status = await runAlone(file);
    if (status !== 0) failed.push(`${file} (exit ${status})`);
  }
  if (failed.length > 0) {
    process.stderr.write(`bench: failed: ${failed.join(', ')}\n`);
    process.exit(1);
  }
}

/**
 * Runs one bench file in a child Node process with this process's loader flags, standard streams shared (the
 * authorizer's decision lines reach the same stdout), killed if this process exits or is stopped first.
 * Resolves with its exit status (128 + n for signal n).
 */
function runAlone(file: string): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, script, ONE_FILE, file], { stdio: 'inherit' });
  const cancel = onProcessExit(() => child.kill('SIGKILL'));
  return new Promise((resolve) => {
    child.once('error', (error) => {
      cancel();
      process.stderr.write(`bench: cannot start ${file}: ${error.message}\n`);
      resolve(127);
    });
    child.once('exit', (code, signal) => {
      cancel();
      resolve(code ?? (signal === null ? 1 : 128 + constants.signals[signal]));
    });
  });
}
