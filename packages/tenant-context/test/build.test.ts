import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), '..');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

describe('the package build', () => {
  it('emits ESM and declarations that plain Node runs without the repository sources', async () => {
    // Prepare: a throw-away output folder inside the package, so Node resolves aws-jwt-verify as a user's would.
    const outDir = mkdtempSync(join(PACKAGE, '.build-test-'));
    try {
      // Act
      await run(process.execPath, [TSC, '-p', join(PACKAGE, 'tsconfig.build.json'), '--outDir', outDir]);
      const script = `
        import { readFileSync } from 'node:fs';
        import { tenantContext, MAX_CLAIMS_VERSION } from ${JSON.stringify(pathToFileURL(join(outDir, 'index.js')).href)};
        const event = JSON.parse(readFileSync(${JSON.stringify(join(PACKAGE, 'test', 'fixtures', 'http-v2.json'))}, 'utf8'));
        console.log(JSON.stringify({ context: tenantContext(event), versions: MAX_CLAIMS_VERSION }));
      `;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: PACKAGE });

      // Assess
      expect(JSON.parse(stdout)).toEqual({
        context: {
          tenantId: 'acme',
          tier: 'standard',
          groups: ['tenant-admin', 'tenant-member'],
          sub: 'b1f0a7c2-0000-4000-8000-000000000001',
          claimsVersion: 1,
        },
        versions: 999,
      });
      const declarations = readFileSync(join(outDir, 'index.d.ts'), 'utf8');
      expect(declarations).toContain('tenantContext');
      expect(declarations).toContain('verifyTenantToken');
      expect(existsSync(join(outDir, 'verify-tenant-token.d.ts'))).toBe(true);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  it('publishes the build, the schemas and the README, and resolves to the build outside the repository', () => {
    // Prepare
    const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8'));

    // Assess: `cognito-tenancy-source` is the repository's own condition; every other resolution is the build.
    expect(manifest.files).toEqual(['dist', 'schemas', 'README.md']);
    expect(manifest.exports['.']).toEqual({
      'cognito-tenancy-source': './src/index.ts',
      types: './dist/index.d.ts',
      default: './dist/index.js',
    });
    expect(manifest.private).toBeUndefined();
    expect(manifest.scripts.build).toBe('tsc -p tsconfig.build.json');
  });
});
