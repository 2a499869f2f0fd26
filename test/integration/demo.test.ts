import { describe, expect, it, vi } from 'vitest';
import { startBudgetMs } from '../../local/start-timeout';
import { pathWithoutJava, runTool } from '../support/local-tool';

// The demo starts four servers in sequence through tsx before it is interrupted.
vi.setConfig({ testTimeout: startBudgetMs(5) });

describe('npm run demo', () => {
  it('stops the stack it is starting on Ctrl-C, exits 130 and leaves no temporary folder behind', async () => {
    // Act: Ctrl-C while serverless-offline bundles (DynamoDB Local, s3rver and cognito-local already run).
    const run = await runTool('demo', [], { interruptWhileBundling: true });

    // Assess
    expect(run.code).toBe(130);
    expect(run.stdout).toBe('');
    expect(run.workFolderLeft).toBe(false);
    expect(run.tempLeft).toEqual([]);
  });

  it('exits 3 with one line on stderr and nothing on stdout when the local stack cannot start', async () => {
    // Act: no java on the PATH, so DynamoDB Local cannot start.
    const run = await runTool('demo', [], { path: pathWithoutJava() });

    // Assess
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^local stack failed to start: DynamoDB Local needs a Java runtime/m);
    expect(run.tempLeft).toEqual([]);
  });
});
