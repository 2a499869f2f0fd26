/**
 * `npm run test:loaded [-- <command> …]`: runs `npm test` (or the given command) while two CPU-bound Node
 * processes run beside it, to show the suite holds on a busy machine. The busy processes run in their own process
 * groups and are killed however the run ends: the command's exit, a signal, or an error of this script. Exits with
 * the command's code (128 + n when it died of signal n).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { spawnGroup } from '../../local/child-process';

const BUSY_PROCESSES = 2;
const [command = 'npm', ...args] = process.argv.length > 2 ? process.argv.slice(2) : ['npm', 'test'];

const busy = Array.from({ length: BUSY_PROCESSES }, () => spawnGroup(process.execPath, ['-e', 'for (;;) {}']));
process.stderr.write(
  `test:loaded: ${BUSY_PROCESSES} CPU-bound processes (pids ${busy.map((b) => b.pid).join(', ')})\n`,
);
const started = Date.now();
const run = spawn(command, args, { stdio: 'inherit' });

const stopBusy = () => Promise.all(busy.map((group) => group.stop(500)));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  // A terminal's Ctrl-C reaches the command too (same process group); a signal sent to this script alone is passed on.
  process.once(signal, () => {
    void stopBusy();
    run.kill(signal);
  });
}
run.once('error', async (error) => {
  process.stderr.write(`test:loaded: cannot run ${command}: ${error.message}\n`);
  await stopBusy();
  process.exit(127);
});
run.once('exit', async (code, signal) => {
  await stopBusy();
  const status = code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
  const seconds = Math.round((Date.now() - started) / 1000);
  process.stderr.write(`test:loaded: ${[command, ...args].join(' ')} exited ${status} after ${seconds} s\n`);
  process.exit(status);
});
