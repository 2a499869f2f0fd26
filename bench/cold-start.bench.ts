/**
 * Cold start: bundle each function exactly as deployed (esbuild.config.cjs) and time its module
 * initialisation in fresh Node processes, against an empty bundle in the same run. Runs are interleaved
 * (function A, B, …, baseline, then again) so machine noise falls on all alike; the median of ≥ 15 is reported.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { median } from './measure';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const esbuildOptions = (
  createRequire(import.meta.url)(join(root, 'esbuild.config.cjs')) as { esbuildOptions: () => object }
).esbuildOptions();
const RUNS = Number(process.env.COLD_START_RUNS ?? 15);

/** Settings the functions validate at cold start; values only need to be well-formed (shared by the benches). */
export const ENV: Record<string, string> = {
  TENANCY_TABLE_NAME: 'cognito-tenancy-bench-registry',
  TENANCY_USER_POOL_IDS: 'us-east-1_Bench1',
  TENANCY_CLIENT_IDS: 'benchclient',
  // The authorizer fetches its keys at cold start: from a closed local port, never from Cognito.
  TENANCY_JWKS_URI: 'http://127.0.0.1:9/{userPoolId}/.well-known/jwks.json',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  // Nothing may leave the machine: point every client at a closed local port.
  AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
  // The documents function's tenant data settings.
  TENANCY_DATA_ROLE_ARN: 'arn:aws:iam::123456789012:role/bench-TenantDataAccessRole',
  TENANCY_DATA_TABLE_NAME: 'cognito-tenancy-bench-tenant-data',
  TENANCY_DATA_BUCKET_NAME: 'cognito-tenancy-bench-tenant-data',
  // As deployed by default (serverless.yml `sdkTracing=false`); the `+tracing` rows load the tracer too.
  POWERTOOLS_TRACE_ENABLED: 'false',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

// Functions that load Powertools Tracer when `sdkTracing` is on.
const TRACED = new Set(['pre-sign-up', 'post-confirmation', 'pre-token-generation']);
// Functions that count decisions with Powertools Metrics; their `−metrics` rows are built without it.
const METERED = new Set(['authorizer', 'documents', 'pre-sign-up', 'post-confirmation', 'pre-token-generation']);

/** An esbuild plugin that swaps the decision metrics module for a no-op stand-in (bench/no-metrics.ts). */
const withoutMetrics = {
  name: 'without-metrics',
  setup(build: { onResolve: (o: { filter: RegExp }, f: () => { path: string }) => void }) {
    build.onResolve({ filter: /\/runtime\/decision-metrics$/ }, () => ({ path: join(root, 'bench', 'no-metrics.ts') }));
  },
};

// Prints the nanoseconds the dynamic import of the bundle took, in a process that has done nothing else.
const PROBE = `const t = process.hrtime.bigint(); await import(process.argv[1]); process.stdout.write(String(process.hrtime.bigint() - t));`;

export function initNs(file: string, env: Record<string, string>): number {
  // --enable-source-maps as serverless.yml deploys it: Node then reads each bundle's source map at load.
  const out = execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', PROBE, file], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return Number(out);
}

/** Bundles every function and prints init time and size against the empty baseline. */
export default async function run(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'cold-start-'));
  try {
    const baselineEntry = join(out, 'baseline.ts');
    writeFileSync(baselineEntry, 'export const handler = async () => ({});\n');
    const entries = [
      baselineEntry,
      join(root, 'bench', 'authorizer-reference.ts'),
      ...readdirSync(join(root, 'functions'))
        .filter((file) => file.endsWith('.ts'))
        .sort()
        .map((file) => join(root, 'functions', file)),
    ];
    const bundles: { name: string; file: string; bytes: number; env: Record<string, string> }[] = [];
    const bundleOne = async (entry: string, dir: string, plugins: object[] = []) => {
      // One directory per function, as serverless-esbuild builds them (chunks of on-demand code beside it).
      const name = basename(entry, '.ts');
      await build({
        ...esbuildOptions,
        entryPoints: [entry],
        outdir: join(out, dir),
        outExtension: { '.js': '.mjs' },
        bundle: true,
        logLevel: 'error',
        plugins,
      } as Parameters<typeof build>[0]);
      const file = join(out, dir, `${name}.mjs`);
      return { file, bytes: statSync(file).size };
    };
    for (const entry of entries) {
      const name = basename(entry, '.ts');
      const { file, bytes } = await bundleOne(entry, name);
      bundles.push({ name, file, bytes, env: ENV });
      if (METERED.has(name)) {
        const without = await bundleOne(entry, `${name}-without-metrics`, [withoutMetrics]);
        bundles.push({ name: `${name} −metrics`, ...without, env: ENV });
      }
      if (name === 'authorizer') {
        bundles.push({
          name: `${name} apiTenantCheck=false`,
          file,
          bytes,
          env: { ...ENV, TENANCY_API_TENANT_CHECK: 'false' },
        });
      }
      if (TRACED.has(name)) {
        bundles.push({ name: `${name} +tracing`, file, bytes, env: { ...ENV, POWERTOOLS_TRACE_ENABLED: 'true' } });
      }
    }
    const samples = new Map(bundles.map((bundle) => [bundle.name, [] as number[]]));
    for (const bundle of bundles) initNs(bundle.file, bundle.env); // warm the file cache
    for (let run = 0; run < RUNS; run++) {
      for (const bundle of bundles) samples.get(bundle.name)?.push(initNs(bundle.file, bundle.env));
    }
    const base = median(samples.get('baseline') ?? []);
    console.log(
      `\n## Cold start: module init in a fresh Node ${process.version} process (median of ${RUNS}, interleaved)`,
    );
    console.log(
      `${'bundle'.padEnd(32)} ${'init ms'.padStart(9)} ${'over baseline'.padStart(14)} ${'× baseline'.padStart(11)} ${'size KB'.padStart(9)}`,
    );
    const reference = median(samples.get('authorizer-reference') ?? []);
    for (const bundle of bundles) {
      const ms = median(samples.get(bundle.name) ?? []) / 1e6;
      const over = bundle.name === 'baseline' ? '' : `+${(ms - base / 1e6).toFixed(1)} ms`;
      const ratio = ((ms * 1e6) / base).toFixed(2);
      console.log(
        `${bundle.name.padEnd(32)} ${ms.toFixed(1).padStart(9)} ${over.padStart(14)} ${ratio.padStart(11)} ${(bundle.bytes / 1024).toFixed(0).padStart(9)}`,
      );
    }
    // What Powertools Metrics costs each function's cold start: the same bundle with and without it.
    for (const name of METERED) {
      const withMetrics = median(samples.get(name) ?? []);
      const without = median(samples.get(`${name} −metrics`) ?? []);
      console.log(
        `metrics at cold start, ${name}: +${((withMetrics - without) / 1e6).toFixed(1)} ms (${(withMetrics / without).toFixed(2)}× the function without metrics)`,
      );
    }
    // The authorizer against what any authorizer with a registry check loads (aws-jwt-verify + DynamoDB client).
    for (const name of ['authorizer', 'authorizer apiTenantCheck=false']) {
      const ratio = median(samples.get(name) ?? []) / reference;
      console.log(`${name} / authorizer-reference: ${ratio.toFixed(2)}×`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
