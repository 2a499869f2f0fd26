import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { START_TIMEOUT_ENV, startBudgetMs, startTimeoutMs } from '../../local/start-timeout';
import { pathWithoutJava, root, runTool } from '../support/local-tool';

const run = promisify(execFile);
// A replay starts tsx, then four servers in sequence, then invokes a function cold.
vi.setConfig({ testTimeout: startBudgetMs(6) });

/** `npm run replay -- <event>` as a user runs it: its own local stack, stdout for the response. */
async function replay(event: string) {
  return run(process.execPath, ['--import', 'tsx', 'local/replay.ts', event], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TSX_DISABLE_CACHE: '1',
      [START_TIMEOUT_ENV]: String(startTimeoutMs()),
    },
    timeout: startBudgetMs(5),
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
      claimsToAddOrOverride: { tenantId: 'acme', tier: 'standard', 'tenancy:v': '1' },
    });
  });

  it('prints a refusal on stderr and exits 1, with nothing on stdout', async () => {
    // Act
    const result = await replay('events/pre-token-generation/refuse-suspended-tenant.json');

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('refused: Your organization is not active.');
  });

  it('refuses a file that is no trigger or authorizer event with exit 2', async () => {
    // Act
    const result = await replay('events/tenants.json');

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('events/tenants.json is not a Cognito trigger or API Gateway authorizer event');
  });
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
  });

  it('stops the stack it is still starting when interrupted, exits 130 and leaves no temporary folder behind', async () => {
    // Act: Ctrl-C while serverless-offline bundles (DynamoDB Local, s3rver and cognito-local already run).
    const result = await runTool('replay', ['events/pre-token-generation/v1-authentication.json'], {
      interruptWhileBundling: true,
    });

    // Assess
    expect(result.code).toBe(130);
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toContain('invoking');
    expect(result.workFolderLeft).toBe(false);
    expect(result.tempLeft).toEqual([]);
  });

  it('exits 3 with its own message and nothing on stdout when the local stack cannot start', async () => {
    // Act: no java on the PATH, so DynamoDB Local cannot start.
    const result = await runTool('replay', ['events/pre-token-generation/v1-authentication.json'], {
      path: pathWithoutJava(),
    });

    // Assess
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^local stack failed to start: /m);
    expect(result.tempLeft).toEqual([]);
  });

  it("fails the documentation's jq line when the local stack cannot start (set -o pipefail), printing nothing", async () => {
    // Prepare: the documented command, as a user copies it, on a machine without java.
    const documented = documentedJqLine();
    const path = pathWithoutJava(['bash', 'sh', 'npm', 'jq']);

    // Act
    const result = await run('bash', ['-c', documented], {
      cwd: root,
      env: { PATH: path, HOME: process.env.HOME ?? '' },
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => error,
    );

    // Assess: the pipe's status is the replay's 3, not jq's 0.
    expect(documented).toMatch(/^set -o pipefail; npm run --silent replay -- \S+\.json \| jq /);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
  });
});

/** The replay-into-jq line of the documentation (README.md, or docs/*.md once the README is split). */
function documentedJqLine(): string {
  const docsDir = join(root, 'docs');
  const docs = existsSync(docsDir) ? readdirSync(docsDir).filter((name) => name.endsWith('.md')) : [];
  const files = [join(root, 'README.md'), ...docs.map((name) => join(docsDir, name))];
  const line = files
    .flatMap((file) => readFileSync(file, 'utf8').split('\n'))
    .find((text) => text.includes('replay --') && text.includes('| jq'));
  if (line === undefined) throw new Error('no documented `npm run replay … | jq` line');
  return line.trim();
}
