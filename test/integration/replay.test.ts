import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

/** `npm run replay -- <event>` as a user runs it: its own local stack, stdout for the response. */
async function replay(event: string) {
  return run(process.execPath, ['--import', 'tsx', 'local/replay.ts', event], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
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
});
