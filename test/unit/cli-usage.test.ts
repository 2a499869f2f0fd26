import { describe, expect, it } from 'vitest';
import { usage } from '../../cli/tenants-cli';
import { cliRunner } from '../support/cli';

/** An `openRegistry` that records that it was called: input checks must refuse before it is. */
function recordingOpen() {
  const opened: unknown[] = [];
  const openRegistry = async (target: unknown) => {
    opened.push(target);
    return { registry: {}, policyStores: {}, close: async () => {} } as never;
  };
  return { opened, openRegistry };
}

describe('tenants CLI usage', () => {
  it('prints the usage on stderr and exits 2 when no command is given', async () => {
    // Act
    const result = await cliRunner({})('--table', 'reg');

    // Assess
    expect(result.code).toBe(2);
    expect(result.out).toEqual([]);
    expect(result.err).toEqual([usage()]);
  });

  it.each([['help'], ['--help'], ['-h']])('prints the usage on stdout and exits 0 for %s', async (flag) => {
    // Act
    const result = await cliRunner({})(flag);

    // Assess
    expect(result.code).toBe(0);
    expect(result.err).toEqual([]);
    expect(result.out).toEqual([usage()]);
    expect(result.out[0]).toMatch(/^ {2}audit <tenantId> +a tenant's audit trail/m);
  });

  it("prints one command's options with --help, the target options of a registry command included", async () => {
    // Act
    const result = await cliRunner({})('audit', '--help');

    // Assess
    expect(result.code).toBe(0);
    const lines = result.out.join('\n').split('\n');
    expect(lines[0]).toBe('usage: npm run tenants -- audit <tenantId> [options]');
    expect(lines).toContain('  --limit <n>        entries per page, 1-1000 (default 20)');
    expect(lines).toContain('  --region <region>  its AWS region (default AWS_REGION)');
    expect(lines).toContain('  --help             this help');
  });
});

describe('tenants audit --limit', () => {
  it.each([['0'], ['1001'], ['abc'], ['-5'], ['2.5'], ['10000']])(
    'refuses --limit %s with exit 2 before the registry is opened',
    async (limit) => {
      // Prepare
      const { opened, openRegistry } = recordingOpen();
      const cli = cliRunner({}, ['--table', 'reg', '--region', 'eu-west-1'], { openRegistry });

      // Act
      const result = await cli('audit', 'acme', `--limit=${limit}`);

      // Assess
      expect(result.code).toBe(2);
      expect(result.err).toEqual(['error: --limit must be from 1 to 1000']);
      expect(opened).toEqual([]);
    },
  );

  it.each([
    ['1', 1],
    ['1000', 1000],
  ])('accepts --limit %s and asks the registry for pages of that size', async (limit, expected) => {
    // Prepare
    const asked: unknown[] = [];
    const registry = {
      requireTenant: async (tenantId: string) => ({ tenantId }),
      listAudit: async (_tenantId: string, query: unknown) => {
        asked.push(query);
        return { entries: [], next: undefined };
      },
    };
    const openRegistry = async () => ({ registry, policyStores: {}, close: async () => {} }) as never;
    const cli = cliRunner({}, ['--table', 'reg', '--region', 'eu-west-1'], { openRegistry });

    // Act
    const result = await cli('audit', 'acme', '--limit', limit, '--json');

    // Assess
    expect(result.code).toBe(0);
    expect(asked).toEqual([{ since: undefined, sub: undefined, limit: expected, next: undefined }]);
  });
});
