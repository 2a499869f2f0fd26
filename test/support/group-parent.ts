/**
 * A parent process for the process-group tests, run as `node --import tsx test/support/group-parent.ts <mode>`:
 * starts a group (a node process that starts a busy child of its own), prints `group <pgid> child <pid>` and then
 * `exit` calls process.exit(0), `wait` waits for a signal it does not handle.
 */
import { spawnGroup } from '../../local/child-process';

const mode = process.argv[2];
const grandchild =
  "require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })";
const group = spawnGroup(process.execPath, [
  '-e',
  `const c = ${grandchild}; console.log('child ' + c.pid); setInterval(() => {}, 1000);`,
]);
group.child.stdout?.on('data', (chunk: Buffer) => {
  const child = /child (\d+)/.exec(chunk.toString())?.[1];
  if (child === undefined) return;
  process.stdout.write(`group ${group.pid} child ${child}\n`);
  if (mode === 'exit') process.exit(0);
});
