/**
 * Child processes of the local stack: each runs in its own process group (so a server's own children — esbuild,
 * Lambda workers — go with it), and the whole group is killed on `stop()`, when this Node process exits, and on
 * SIGINT/SIGTERM/SIGHUP unless the application handles those itself (demo and replay stop their stack
 * gracefully; the exit hook stays their backstop). Starts wait for an answer within a limit
 * (local/start-timeout.ts) and fail with an error naming the server and the tail of what it printed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { LocalStackError, StartFailedError } from './local-stack-error';

/** A child process started in its own process group. */
export interface GroupProcess {
  readonly child: ChildProcess;
  /** The child's pid, which is also its process group id. */
  readonly pid: number;
  /** The last characters it wrote to stdout and stderr. */
  output(): string;
  /** Whether the group's leader (the child) has exited. */
  exited(): boolean;
  /**
   * SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once no process of the group is left (or,
   * for a process that will not go, `graceMs` after the SIGKILL). Safe to call more than once.
   */
  stop(graceMs?: number): Promise<void>;
}

export interface GroupSpawnOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** How many trailing characters of output to keep for error messages; 4000 by default. */
  readonly outputLimit?: number;
}

/** Starts `command` in a new process group with stdout and stderr captured; see GroupProcess. */
export function spawnGroup(command: string, args: readonly string[], options: GroupSpawnOptions = {}): GroupProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    // A new process group with the child as leader: one signal to -pid reaches everything it starts.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { pid } = child;
  if (pid === undefined) {
    // spawn reports ENOENT and the like as an 'error' event; the missing pid says the same now.
    child.once('error', () => {});
    throw new LocalStackError(`cannot start ${command}: not found or not executable`);
  }
  const output = captureOutput(child, options.outputLimit);
  const leaderExit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cancelExitHook = onProcessExit(() => signalGroup(pid, 'SIGKILL'));
  let stopping: Promise<void> | undefined;
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const stop = (graceMs = 3000) => {
    stopping ??= (async () => {
      if (!exited()) {
        signalGroup(pid, 'SIGTERM');
        const force = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
        await leaderExit;
        clearTimeout(force);
      }
      // Whatever of the group outlived its leader (a bundler, a worker that ignores SIGTERM) goes too.
      signalGroup(pid, 'SIGKILL');
      await groupGone(pid, graceMs);
      cancelExitHook();
    })();
    return stopping;
  };
  return { child, pid, output, exited, stop };
}

/** Sends `signal` to process group `pgid`; a group that no longer exists is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Whether any process of group `pgid` still exists. */
export function groupExists(pgid: number): boolean {
  return signalGroup(pgid, 0);
}

// Killed processes disappear once reaped; poll the group (not a fixed wait) up to `limitMs`.
async function groupGone(pgid: number, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (groupExists(pgid) && Date.now() < deadline) await delay(10);
}

/** Keeps the last `limit` characters a child wrote to stdout and stderr, for error messages. */
function captureOutput(child: ChildProcess, limit = 4000): () => string {
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-limit);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return () => output;
}

/** What a start waits for. */
export interface AnswerWait {
  /** Names the server in errors, e.g. `cognito-local on http://127.0.0.1:1234`. */
  readonly what: string;
  /** The start-up limit (startTimeoutMs()). */
  readonly limitMs: number;
  /** One probe: true once the server answers. */
  readonly answers: () => Promise<boolean>;
  /** Aborts the wait (Ctrl-C during a start). */
  readonly signal?: AbortSignal;
  /** Pause between probes; 100 ms by default. */
  readonly intervalMs?: number;
}

/**
 * Probes until the server answers. If the limit passes, the process exits or `signal` aborts first, stops the
 * whole process group and then throws StartFailedError with the tail of what the process printed.
 */
export async function waitForAnswer(server: GroupProcess, wait: AnswerWait): Promise<void> {
  const deadline = Date.now() + wait.limitMs;
  const fail = async (failure: 'timeout' | 'exited' | 'aborted') => {
    await server.stop();
    return new StartFailedError(wait.what, failure, wait.limitMs, server.output(), server.pid);
  };
  for (;;) {
    if (wait.signal?.aborted) throw await fail('aborted');
    if (server.exited()) throw await fail('exited');
    if (Date.now() >= deadline) throw await fail('timeout');
    if (await wait.answers()) return;
    await delay(wait.intervalMs ?? 100, undefined, wait.signal ? { signal: wait.signal } : {}).catch(() => {});
  }
}

/**
 * Runs `start` (an in-process server such as s3rver) within `limitMs`; on timeout or abort throws
 * StartFailedError and calls `abandon` to close whatever the start still opens.
 */
export async function withinStartLimit<T>(
  what: string,
  limitMs: number,
  start: Promise<T>,
  abandon: (started: Promise<T>) => void,
  signal?: AbortSignal,
): Promise<T> {
  const limit = new AbortController();
  const timer = setTimeout(() => limit.abort(), limitMs);
  const stopped = AbortSignal.any(signal === undefined ? [limit.signal] : [limit.signal, signal]);
  try {
    return await new Promise<T>((resolve, reject) => {
      const onStop = () => reject(new StartFailedError(what, signal?.aborted ? 'aborted' : 'timeout', limitMs, ''));
      if (stopped.aborted) onStop();
      stopped.addEventListener('abort', onStop, { once: true });
      start.then(resolve, reject);
    });
  } catch (error) {
    abandon(start);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

// Synchronous cleanups (kill a group, remove a temporary folder) run when this process exits, and on a signal
// the application does not handle itself.
const exitCleanups = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function runExitCleanups(): void {
  for (const cleanup of [...exitCleanups]) {
    try {
      cleanup();
    } catch {
      // One failed cleanup must not keep the others from running.
    }
  }
  exitCleanups.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // Another listener means the application handles the signal (and stops its stack); the exit hook stays.
  if (process.listenerCount(signal) > 1) return;
  runExitCleanups();
  uninstall();
  // Die of the signal as if nobody had listened: the parent sees the usual exit status.
  process.kill(process.pid, signal);
}

function install(): void {
  if (exitCleanups.size > 0) return;
  process.on('exit', runExitCleanups);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  process.off('exit', runExitCleanups);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

/**
 * Runs `cleanup` (synchronous) when this Node process exits or dies of SIGINT/SIGTERM/SIGHUP it does not
 * otherwise handle; returns the function that cancels that.
 */
export function onProcessExit(cleanup: () => void): () => void {
  install();
  exitCleanups.add(cleanup);
  return () => {
    exitCleanups.delete(cleanup);
    if (exitCleanups.size === 0) uninstall();
  };
}
