import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { groupExists, spawnGroup, waitForAnswer } from '../../local/child-process';
import { startCognitoLocal } from '../../local/cognito-local';
import { startDynamoDBLocal } from '../../local/dynamodb-local';
import { StartFailedError } from '../../local/local-stack-error';
import { startTimeoutMs } from '../../local/start-timeout';

const root = join(import.meta.dirname, '..', '..');

/** Whether a process exists (a zombie counts until it is reaped). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Bounded poll (no fixed wait): resolves once the group and the process are gone, fails after the start limit. */
const gone = (pgid: number, pid: number) =>
  vi.waitFor(() => expect([groupExists(pgid), exists(pid)]).toEqual([false, false]), {
    timeout: startTimeoutMs(),
    interval: 20,
  });

/** Runs test/support/group-parent.ts in `mode`; resolves with the group and grandchild it started. */
function groupParent(mode: 'exit' | 'wait') {
  const parent = spawn(process.execPath, ['--import', 'tsx', 'test/support/group-parent.ts', mode], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    parent.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const started = new Promise<{ pgid: number; child: number }>((resolve) => {
    let out = '';
    parent.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /group (\d+) child (\d+)/.exec(out);
      if (match) resolve({ pgid: Number(match[1]), child: Number(match[2]) });
    });
  });
  return { parent, exited, started };
}

describe('child processes of the local stack', () => {
  it('fails a DynamoDB Local start that exceeds its limit with an error naming it, and leaves no process behind', async () => {
    // Act
    const error = await startDynamoDBLocal({ timeoutMs: 1 }).catch((caught: unknown) => caught);

    // Assess: by the time the start rejects, the JVM's process group is gone.
    expect(error).toBeInstanceOf(StartFailedError);
    const failed = error as StartFailedError;
    expect(failed.failure).toBe('timeout');
    expect(failed.message).toMatch(/^DynamoDB Local on http:\/\/127\.0\.0\.1:\d+ did not answer within 1 ms/);
    expect(failed.message).toContain('LOCAL_STACK_START_TIMEOUT_MS');
    expect(failed.pid).toBeGreaterThan(0);
    expect(groupExists(failed.pid as number)).toBe(false);
  });

  it('fails a cognito-local start that exceeds its limit and removes its process and data folder', async () => {
    // Act
    const error = await startCognitoLocal({ timeoutMs: 1 }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(StartFailedError);
    const failed = error as StartFailedError;
    expect(failed.message).toMatch(/^cognito-local on http:\/\/127\.0\.0\.1:\d+ did not answer within 1 ms/);
    expect(groupExists(failed.pid as number)).toBe(false);
  });

  it('names a server that exits while starting and quotes the end of what it printed', async () => {
    // Prepare
    const server = spawnGroup(process.execPath, ['-e', 'console.error("port already in use"); process.exit(3)']);

    // Act
    const error = await waitForAnswer(server, {
      what: 'test server on 127.0.0.1',
      limitMs: startTimeoutMs(),
      answers: async () => false,
      intervalMs: 10,
    }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(StartFailedError);
    expect((error as StartFailedError).failure).toBe('exited');
    expect((error as Error).message).toBe(
      'test server on 127.0.0.1 exited before it answered; it printed:\nport already in use',
    );
  });

  it("stops a start when it is aborted, the server's own children included", async () => {
    // Prepare: a server that never answers and starts a child of its own.
    const server = spawnGroup(process.execPath, [
      '-e',
      "const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']); console.log('child ' + c.pid); setInterval(() => {}, 1000);",
    ]);
    const child = await new Promise<number>((resolve) =>
      server.child.stdout?.on('data', (chunk: Buffer) => resolve(Number(/child (\d+)/.exec(chunk.toString())?.[1]))),
    );
    const abort = new AbortController();

    // Act
    const waiting = waitForAnswer(server, {
      what: 'test server',
      limitMs: startTimeoutMs(),
      answers: async () => false,
      signal: abort.signal,
    }).catch((caught: unknown) => caught);
    abort.abort();
    const error = await waiting;

    // Assess
    expect((error as StartFailedError).failure).toBe('aborted');
    expect([groupExists(server.pid), exists(child)]).toEqual([false, false]);
  });

  it('kills a group, and the processes its child started, when the Node process that started it exits', async () => {
    // Prepare
    const run = groupParent('exit');
    const { pgid, child } = await run.started;

    // Act
    const { code } = await run.exited;

    // Assess
    expect(code).toBe(0);
    await gone(pgid, child);
  });

  it('kills a group when the Node process that started it dies of SIGTERM it does not handle, and dies of it', async () => {
    // Prepare
    const run = groupParent('wait');
    const { pgid, child } = await run.started;

    // Act
    run.parent.kill('SIGTERM');
    const { signal } = await run.exited;

    // Assess
    expect(signal).toBe('SIGTERM');
    await gone(pgid, child);
  });
});

describe('npm run test:loaded', () => {
  it("runs the command beside two busy processes, exits with the command's code and leaves neither running", async () => {
    // Act
    const run = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/loaded-run.ts', process.execPath, '-e', 'process.exit(7)'],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    run.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => run.once('exit', (exit) => resolve(exit)));

    // Assess
    expect(code).toBe(7);
    const pids = (/pids (\d+), (\d+)/.exec(stderr) ?? []).slice(1).map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(groupExists(pid)).toBe(false);
    expect(stderr).toMatch(/exited 7 after \d+ s/);
  });
});

/**
 * `npm run bench` over a folder of stand-in bench files (`BENCH_DIR`): `hold` starts a process group as a bench
 * starts DynamoDB Local, prints its id and waits to be stopped; `fails` throws; `passes` prints and returns.
 */
function benchRun(wanted: readonly string[], detached = false) {
  const dir = mkdtempSync(join(tmpdir(), 'tenancy-bench-runner-'));
  const childProcess = join(root, 'local', 'child-process');
  writeFileSync(
    join(dir, 'hold.bench.ts'),
    [
      `import { spawnGroup } from '${childProcess}';`,
      'export default async function run(): Promise<void> {',
      "  const held = spawnGroup(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);",
      "  console.log('held', held.pid);",
      '  await new Promise(() => {});',
      '}',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'fails.bench.ts'),
    "export default async function run() { throw new Error('bench broke'); }\n",
  );
  writeFileSync(join(dir, 'passes.bench.ts'), "export default async function run() { console.log('passes ran'); }\n");
  const run = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...wanted], {
    cwd: root,
    env: { ...process.env, BENCH_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  let out = '';
  const collect = (chunk: Buffer) => {
    out += chunk.toString();
  };
  run.stdout.on('data', collect);
  run.stderr.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    run.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const held = () =>
    vi.waitFor(
      () => {
        const match = /held (\d+)/.exec(out);
        if (match === null) throw new Error('the bench has not started its group yet');
        return Number(match[1]);
      },
      { timeout: startTimeoutMs(), interval: 20 },
    );
  return { run, exited, held, output: () => out };
}

describe('npm run bench', () => {
  it('passes SIGTERM on to the running bench, which stops the process group it started, then dies of SIGTERM', async () => {
    // Prepare
    const bench = benchRun(['hold']);
    const group = await bench.held();

    // Act
    bench.run.kill('SIGTERM');
    const { signal } = await bench.exited;

    // Assess
    expect(signal).toBe('SIGTERM');
    await gone(group, group);
  });

  it("stops the running bench and the group it started on a terminal's Ctrl-C (SIGINT to the whole process group)", async () => {
    // Prepare: the run leads a process group of its own, as in a terminal.
    const bench = benchRun(['hold'], true);
    const group = await bench.held();

    // Act
    process.kill(-(bench.run.pid as number), 'SIGINT');
    const { signal } = await bench.exited;

    // Assess
    expect(signal).toBe('SIGINT');
    await gone(group, group);
  });

  it('runs every bench in its own process though one fails, and exits 1 naming the one that failed', async () => {
    // Act
    const bench = benchRun(['fails', 'passes']);
    const { code } = await bench.exited;

    // Assess
    expect(code).toBe(1);
    expect(bench.output()).toContain('bench broke');
    expect(bench.output()).toContain('passes ran');
    expect(bench.output()).toContain('bench: failed: fails.bench.ts (exit 1)');
  });
});
