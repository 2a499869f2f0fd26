/**
 * How `npm run demo` and `npm run replay` run the local stack: whatever ends the run — the work finishing, a
 * failure, a closed stdout (`| head`, a failing `jq`), SIGINT/SIGTERM/SIGHUP, during start-up included — stops
 * every server it started and removes its temporary folders (`cognito-local-*`, `s3rver-*`, `.esbuild-offline-*`)
 * before the process exits. A stack that fails to start writes nothing to stdout: one line on stderr, exit 3.
 */
import { type LocalStack, type LocalStackOptions, startLocalStack } from './stack';

/** Exit code of a local stack that failed to start or to answer (1 and 2 are the tools' own). */
export const STACK_FAILED = 3;
/** Exit codes for the signals that end a run: 128 + the signal number, as a shell reports them. */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * Starts the local stack with `options` and runs `work` with it; `work` resolves to the exit code. The process
 * exits once the stack is stopped, with `work`'s code, STACK_FAILED, the signal's code, or (stdout closed)
 * the code so far.
 */
export async function runWithLocalStack(
  options: LocalStackOptions,
  work: (stack: LocalStack) => Promise<number>,
): Promise<void> {
  const abort = new AbortController();
  // Started before any exit path is wired, so every path can wait for it: a signal aborts the start, whose
  // failure stops what had started; stop() then has nothing left or the whole stack to stop.
  const starting = startLocalStack({ ...options, signal: abort.signal });
  starting.catch(() => {});
  let stopping: Promise<void> | undefined;
  const finish = (code: number) => {
    stopping ??= starting
      .then(
        (stack) => stack.stop(),
        () => {},
      )
      .catch(() => {});
    void stopping.then(() => exitAfterStdout(code));
  };
  const exitCodeSoFar = () => (process.exitCode === undefined ? 0 : Number(process.exitCode));

  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') finish(exitCodeSoFar());
    else {
      process.stderr.write(`cannot write the output: ${error.message}\n`);
      finish(STACK_FAILED);
    }
  });
  for (const [signal, code] of Object.entries(SIGNAL_EXIT_CODES)) {
    // `on`, not `once`: while this listener exists, local/child-process.ts leaves the signal to it. A second
    // signal during the stop exits at once; the exit hooks still kill the process groups and remove the folders.
    process.on(signal, () => {
      if (stopping !== undefined) process.exit(code);
      abort.abort();
      finish(code);
    });
  }

  let stack: LocalStack;
  try {
    stack = await starting;
  } catch (error) {
    // Interrupted: the signal's handler is already finishing; the interruption is no failure to report.
    if (!abort.signal.aborted) {
      process.stderr.write(`local stack failed to start: ${(error as Error).message}\n`);
      finish(STACK_FAILED);
    }
    return;
  }
  // A signal or closed pipe during the start has already asked for the stop: run nothing on a stopping stack.
  if (stopping !== undefined) return;
  let code: number;
  try {
    code = await work(stack);
  } catch (error) {
    process.stderr.write(`local stack failed: ${(error as Error).message}\n`);
    code = STACK_FAILED;
  }
  process.exitCode = code;
  finish(code);
}

// Exits once what was written to stdout is flushed (a pipe may still hold the response); at once if it is gone.
function exitAfterStdout(code: number): void {
  if (process.stdout.destroyed || process.stdout.writableEnded) process.exit(code);
  process.stdout.write('', () => process.exit(code));
}
