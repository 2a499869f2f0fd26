import type { ChildProcess } from 'node:child_process';

/** Stops a child process this harness started: SIGTERM, then SIGKILL after `graceMs`. */
export function stopProcess(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Keeps the last `limit` characters a child wrote to stdout and stderr, for error messages. */
export function captureOutput(child: ChildProcess, limit = 4000): () => string {
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-limit);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return () => output;
}

/** Kills `child` if this Node process exits first; returns the function that cancels that. */
export function killOnExit(child: ChildProcess): () => void {
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  return () => process.off('exit', kill);
}
