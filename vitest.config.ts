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

export default defineConfig({
  test: {
    projects: [
      // Pure logic: no DynamoDB Local, so `npm run test:unit` needs no Java.
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          ...shared,
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Integration tests share one DynamoDB Local process; each file uses its own table.
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
    // `npm test` runs with --coverage: the code every Lambda runs (functions/, shared/) and the operator CLI (cli/)
    // must each keep 90 % lines and branches (ARCHITECTURE.md "Tests and coverage").
    coverage: {
      provider: 'v8',
      include: ['functions/**/*.ts', 'cli/**/*.ts', 'shared/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
      thresholds: {
        'functions/**': { lines: 90, branches: 90 },
        'cli/**': { lines: 90, branches: 90 },
        'shared/**': { lines: 90, branches: 90 },
      },
    },
  },
});
