import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

/** `npm run replay -- <event>` as a user runs it: its own local stack, stdout for the response. */
async function replay(event: string) {
  return run(process.execPath, ['--import', 'tsx', 'local/replay.ts', event], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TSX_DISABLE_CACHE: '1' },
    timeout: 170_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe('npm run replay through the local stack', () => {
  it('prints the pre token generation response of a sample event as JSON on stdout', async () => {
    // Act
    const result = await replay('events/pre-token-generation/v1-authentication.json');

    // Assess
    expect(result.code).toBe(0);
    const event = JSON.parse(result.stdout) as { response: { claimsOverrideDetails: unknown } };
    expect(event.response.claimsOverrideDetails).toMatchObject({
      claimsToAddOrOverride: { tenantId: 'acme', tier: 'standard' },
    });
  }, 180_000);

  it('prints a refusal on stderr and exits 1, with nothing on stdout', async () => {
    // Act
    const result = await replay('events/pre-token-generation/refuse-suspended-tenant.json');

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('refused: Your organization is not active.');
  }, 180_000);

  it('refuses a file that is no trigger or authorizer event with exit 2', async () => {
    // Act
    const result = await replay('events/tenants.json');

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('events/tenants.json is not a Cognito trigger or API Gateway authorizer event');
  }, 60_000);
  it('ends quietly with exit 0 and removes its temporary folders when the reader closes the pipe early', async () => {
    // Prepare: a fresh TMPDIR shows what the run leaves behind (cognito-local's data folder lives there).
    const tmp = mkdtempSync(join(tmpdir(), 'replay-pipe-'));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/replay.ts', 'events/pre-token-generation/v1-authentication.json'],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: tmp },
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // `| jq` that failed at once: the read end is closed before the response is written.
    child.stdout.destroy();

    // Act
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exit) => resolve(exit)));

    // Assess
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|at .*\(|Error:/);
    // tsx keeps its compile cache in TMPDIR on purpose; nothing else of the run may stay.
    expect(readdirSync(tmp).filter((entry) => !entry.startsWith('tsx-'))).toEqual([]);
    rmSync(tmp, { recursive: true, force: true });
  }, 180_000);

  it('stops the stack it is still starting when interrupted, leaving no temporary folders behind', async () => {
    // Prepare: a fresh TMPDIR shows what the run leaves behind (cognito-local's data folder lives there).
    const tmp = mkdtempSync(join(tmpdir(), 'replay-signal-'));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/replay.ts', 'events/pre-token-generation/v1-authentication.json'],
      { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: tmp } },
    );
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (exit) => resolve(exit)));

    // Act: Ctrl-C while serverless-offline is starting (DynamoDB Local, s3rver and cognito-local already run).
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('starting serverless-offline')) resolve();
      });
    });
    child.kill('SIGINT');
    const code = await exited;

    // Assess
    expect(code).toBe(130);
    expect(stderr).not.toContain('invoking');
    // tsx keeps its compile cache in TMPDIR on purpose; nothing else of the run may stay.
    expect(readdirSync(tmp).filter((entry) => !entry.startsWith('tsx-'))).toEqual([]);
    rmSync(tmp, { recursive: true, force: true });
  }, 180_000);

  it('exits 3 with its own message when the local stack cannot start', async () => {
    // Prepare: no java on the PATH, so DynamoDB Local cannot start.
    const nodeOnly = mkdtempSync(join(tmpdir(), 'replay-nojava-'));
    symlinkSync(process.execPath, join(nodeOnly, 'node'));

    // Act
    const result = await run(
      process.execPath,
      ['--import', 'tsx', 'local/replay.ts', 'events/pre-token-generation/v1-authentication.json'],
      {
        cwd: root,
        env: { PATH: nodeOnly, HOME: process.env.HOME ?? '' },
        timeout: 120_000,
      },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

    // Assess
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^local stack failed to start: /m);
    rmSync(nodeOnly, { recursive: true, force: true });
  }, 130_000);
});
