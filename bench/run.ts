/**
 * `npm run bench [-- [--quick] name…]`: runs every `bench/*.bench.ts` (or the named ones), one after another, each in
 * a fresh Node process of its own. Each bench module exports `default async function run(): Promise<void>` that
 * prints its figures. Figures are ratios against a baseline measured in the same run: the machines are shared and
 * noisy. A failing bench does not stop the others; the run exits 1 naming it. Stopped by SIGINT, SIGTERM or SIGHUP,
 * the run passes the signal on to the bench running, which stops what it started (DynamoDB Local…), and dies of
 * the signal once that bench has exited. `BENCH_DIR` reads the bench files from another folder (tests).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { onProcessExit } from '../local/child-process';

process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const script = fileURLToPath(import.meta.url);
const benchDir = resolve(process.env.BENCH_DIR ?? dirname(script));
/** The argument by which this script, run as a child, is told to run one bench file in its own process. */
const ONE_FILE = '--bench-file';
/** How long a bench that was passed a signal may take to stop what it started before it is killed. */
const STOP_GRACE_MS = 10_000;
const args = process.argv.slice(2);

if (args[0] === ONE_FILE && args[1] !== undefined) {
  const module = (await import(pathToFileURL(join(benchDir, args[1])).href)) as { default: () => Promise<void> };
  await module.default();
} else {
  // `--quick`: smaller data sets and fewer rounds (bench/options.ts), for a busy machine; children inherit it.
  if (args.includes('--quick')) process.env.BENCH_QUICK = '1';
  const wanted = args.filter((arg) => !arg.startsWith('--'));
  const files = readdirSync(benchDir)
    .filter((file) => file.endsWith('.bench.ts'))
    .filter((file) => wanted.length === 0 || wanted.some((name) => file.startsWith(name)))
    .sort();
  if (files.length === 0) {
    process.stderr.write(`bench: no bench/*.bench.ts starts with ${wanted.join(' or ')}\n`);
    process.exit(2);
  }
  let running: ChildProcess | undefined;
  let stoppedBy: NodeJS.Signals | undefined;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // Handled here, so the exit hook's SIGKILL (below) does not cut the bench's own clean-up short. A terminal's
    // Ctrl-C reaches the bench too (same process group); a second signal finds its clean-up already done.
    process.on(signal, () => {
      stoppedBy ??= signal;
      if (running === undefined) process.exit(128 + constants.signals[signal]);
      running.kill(signal);
      setTimeout(() => running?.kill('SIGKILL'), STOP_GRACE_MS).unref();
    });
  }
  const failed: string[] = [];
  for (const file of files) {
    console.log(`\n# ${file}`);
    // Its own process: a bench must not time code in a heap, JIT state and garbage another bench left behind
    // (claim shaping measured after the 10,000-tenant import ran at twice its cost alone).
    running = spawn(process.execPath, [...process.execArgv, script, ONE_FILE, file], { stdio: 'inherit' });
    const status = await exitStatus(running);
    running = undefined;
    if (stoppedBy !== undefined) {
      // Die of the signal as if nobody had listened: the caller sees the usual exit status.
      process.removeAllListeners(stoppedBy);
      process.kill(process.pid, stoppedBy);
    }
    if (status !== 0) failed.push(`${file} (exit ${status})`);
  }
  if (failed.length > 0) {
    process.stderr.write(`bench: failed: ${failed.join(', ')}\n`);
    process.exit(1);
  }
}

/**
 * Resolves with a bench child's exit status (128 + n for signal n); the child is killed if this process exits
 * first (the backstop: signals are passed on above).
 */
function exitStatus(child: ChildProcess): Promise<number> {
  const cancel = onProcessExit(() => child.kill('SIGKILL'));
  return new Promise((resolveStatus) => {
    child.once('error', (error) => {
      cancel();
      process.stderr.write(`bench: cannot start a bench: ${error.message}\n`);
      resolveStatus(127);
    });
    child.once('exit', (code, signal) => {
      cancel();
      resolveStatus(code ?? (signal === null ? 1 : 128 + constants.signals[signal]));
    });
  });
}
