import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
// With its extension: Vite's config loader resolves the config's own imports natively.
import { START_TIMEOUT_ENV, startTimeoutMs } from './local/start-timeout.ts';

// The SDK warns about Node 20 (Lambda runs nodejs22.x); keep test output to the tests.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// The one start-up limit (local/start-timeout.ts), resolved once for the run from LOCAL_STACK_START_TIMEOUT_MS or the
// machine's load, and handed to the global setup (this process), every worker and every CLI a test starts.
const startLimitMs = startTimeoutMs();
process.env[START_TIMEOUT_ENV] = String(startLimitMs);

const shared = {
  // A test or hook may start one server (or one CLI); the harness's own limit, whose error names what did not
  // answer, fires first. Tests that start more in sequence set startBudgetMs(n).
  testTimeout: startLimitMs,
  hookTimeout: startLimitMs * 2,
  pool: 'forks' as const,
  env: {
    // Never reach real AWS from tests, even when credentials are present on the machine.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // EMF lines stay out of test output; the tests of metrics turn them on (test/support/emf.ts METRICS_ON).
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // The CLIs the tests run through tsx would otherwise leave tsx's cache folder in the system temp directory.
    TSX_DISABLE_CACHE: '1',
    [START_TIMEOUT_ENV]: String(startLimitMs),
  },
};

// Workspace packages resolve to their TypeScript sources (the `cognito-tenancy-source` export condition), as in
// tsconfig.json and esbuild.config.cjs: tests run the code in the repository, never a stale build.
const SOURCE_CONDITION = 'cognito-tenancy-source';
// Vitest's own default is Vite's server conditions without `module` (the workers' Node gets them as --conditions).
const serverConditions = defaultServerConditions.filter((condition) => condition !== 'module');
const sources = { ssr: { resolve: { conditions: [SOURCE_CONDITION, ...serverConditions] } } };

export default defineConfig({
  test: {
    projects: [
      // Pure logic: no DynamoDB Local, so `npm run test:unit` needs no Java. The workspace packages' own tests
      // run here too (packages/tenant-context/README.md "Development").
      {
        ...sources,
        test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts', 'packages/*/test/**/*.test.ts'] },
      },
      {
        ...sources,
        test: {
          ...shared,
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Integration tests share one DynamoDB Local process; each file uses its own table.
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
    // `npm test` runs with --coverage: the code every Lambda runs (functions/, shared/), the operator CLI (cli/) and the
    // workspace packages' sources (packages/*/src/) must each keep 90 % lines and branches (ARCHITECTURE.md "Tests and coverage").
    coverage: {
      provider: 'v8',
      include: ['functions/**/*.ts', 'cli/**/*.ts', 'shared/**/*.ts', 'packages/*/src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
      thresholds: {
        'functions/**': { lines: 90, branches: 90 },
        'cli/**': { lines: 90, branches: 90 },
        'shared/**': { lines: 90, branches: 90 },
        // The consumer library is held to the bar of the code it serves (packages/tenant-context/README.md).
        'packages/*/src/**': { lines: 90, branches: 90 },
      },
    },
  },
});
