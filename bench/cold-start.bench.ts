/**
 * Cold start: bundle each function exactly as deployed (esbuild.config.cjs) and time its module
 * initialisation in fresh Node processes. Each function is compared with its reference: a bundle built with
 * the same options that imports and constructs only the same SDK clients, with the SDK commands the function's
 * bundle carries (and, for the authorizer, aws-jwt-verify's verifier with its cold-start JWKS fetch:
 * bench/authorizer-reference.ts), with an empty handler, i.e. the dependencies the
 * function cannot avoid; logging and metrics are the suite's own cost. `× reference` is init(function) /
 * init(reference) in the same run (target ≤ 1.10: the suite's own code costs at most 10 % over its
 * dependencies); `over empty` is the absolute milliseconds over an empty bundle. Runs are interleaved (empty,
 * function A, its reference, its variants, function B, …, then again) so machine noise falls on all alike;
 * medians of 25 (5 with `--quick`); on CPU, `× reference` is the median of each round's ratio of a function to
 * its reference.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { buildFunctionBundle, bundleIdentifiers, type FunctionBundle, functionEntries } from '../local/function-bundle';
import { median } from './measure';
import { benchOptions, target } from './options';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--quick`: 5 rounds and no variant rows (−metrics, +tracing), for a busy machine.
const QUICK = benchOptions().quick;
const RUNS = Number(process.env.COLD_START_RUNS ?? (QUICK ? 5 : 25));

/** Settings the functions validate at cold start; values only need to be well-formed (shared by the benches). */
export const ENV: Record<string, string> = {
  TENANCY_TABLE_NAME: 'cognito-tenancy-bench-registry',
  TENANCY_USER_POOL_IDS: 'us-east-1_Bench1',
  TENANCY_CLIENT_IDS: 'benchclient',
  // The authorizer fetches its keys at cold start: from a closed local port, never from Cognito; over https, as
  // from Cognito and as its reference does (bench/authorizer-reference.ts).
  TENANCY_JWKS_URI: 'https://127.0.0.1:9/{userPoolId}/.well-known/jwks.json',
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

type Sdk = 'dynamodb' | 'cognito' | 's3' | 'sts';
const SDK_CLASS: Record<Sdk, [string, string]> = {
  dynamodb: ['DynamoDBClient', '@aws-sdk/client-dynamodb'],
  cognito: ['CognitoIdentityProviderClient', '@aws-sdk/client-cognito-identity-provider'],
  s3: ['S3Client', '@aws-sdk/client-s3'],
  sts: ['STSClient', '@aws-sdk/client-sts'],
};

/**
 * Per function, the SDK clients it constructs at cold start (`built`) and those it bundles but builds per
 * request (`bundled`, e.g. the documents function's tenant-scoped clients); its reference does the same.
 */
const SDK_CLIENTS: Record<string, { built: readonly Sdk[]; bundled?: readonly Sdk[] }> = {
  // The STS client of the credential source and the registry's DynamoDB client; tenant-scoped S3 (and DynamoDB)
  // clients are built per tenant on demand.
  documents: { built: ['sts', 'dynamodb'], bundled: ['s3'] },
  // The membership registry (DynamoDB) and the directory (Cognito).
  members: { built: ['dynamodb', 'cognito'] },
  'pre-sign-up': { built: ['dynamodb'] },
  'post-confirmation': { built: ['dynamodb', 'cognito'] },
  'pre-token-generation': { built: ['dynamodb'] },
  'tenant-me': { built: [] },
};

/**
 * The entry of a reference bundle: the SDK clients, constructed as the suite does, and the SDK commands the
 * function's bundle carries (a client is no use without the commands it sends; S3's bring their checksum
 * code), nothing else.
 */
function referenceSource(
  { built, bundled = [] }: { built: readonly Sdk[]; bundled?: readonly Sdk[] },
  commands: ReadonlyMap<Sdk, readonly string[]>,
): string {
  const limits = '{ maxAttempts: 3, requestHandler: { connectionTimeout: 500, requestTimeout: 1000 } }';
  const all = [...built, ...bundled];
  const used = all.flatMap((sdk) => commands.get(sdk) ?? []);
  return [
    ...all.map(
      (sdk) =>
        `import { ${[SDK_CLASS[sdk][0], ...(commands.get(sdk) ?? [])].join(', ')} } from '${SDK_CLASS[sdk][1]}';`,
    ),
    `const clients = [${built.map((sdk) => `new ${SDK_CLASS[sdk][0]}(${limits})`).join(', ')}];`,
    `const classes = [${[...bundled.map((sdk) => SDK_CLASS[sdk][0]), ...used].join(', ')}];`,
    'export const handler = async () => ({ clients: clients.length, classes: classes.length });',
    '',
  ].join('\n');
}

// Functions that load Powertools Tracer when `sdkTracing` is on.
const TRACED = new Set(['pre-sign-up', 'post-confirmation', 'pre-token-generation']);
// Functions that count decisions with Powertools Metrics; their `−metrics` rows are built without it.
const METERED = new Set(['authorizer', 'documents', 'pre-sign-up', 'post-confirmation', 'pre-token-generation']);

/**
 * The documents function configured for PostgreSQL (docs/postgresql.md): it imports the store's modules (`pg`,
 * the signer) in its init phase, so this row's init over the `documents` row is what its first request would
 * otherwise pay. Nothing connects at cold start; the port is closed anyway.
 */
export const POSTGRES_ENV: Record<string, string> = {
  TENANCY_POSTGRES_HOST: '127.0.0.1',
  TENANCY_POSTGRES_PORT: '9',
  TENANCY_POSTGRES_DATABASE: 'tenancy',
  TENANCY_POSTGRES_AUTH: 'local-password',
  TENANCY_POSTGRES_LOCAL_SECRET: 'bench-local-secret-0123456789',
};

/** An esbuild plugin that swaps the decision metrics module for a no-op stand-in (bench/no-metrics.ts). */
const withoutMetrics: Plugin = {
  name: 'without-metrics',
  setup(build) {
    build.onResolve({ filter: /\/runtime\/decision-metrics$/ }, () => ({ path: join(root, 'bench', 'no-metrics.ts') }));
  },
};

// Prints the wall nanoseconds and the CPU microseconds (user + system) the dynamic import of the bundle took, in a
// process that has done nothing else. CPU time is what the targets use: on a shared machine wall time also
// counts the time the process waited for a core.
const PROBE = `const t = process.hrtime.bigint(); const c = process.cpuUsage(); await import(process.argv[1]); const d = process.cpuUsage(c); process.stdout.write(String(process.hrtime.bigint() - t) + ' ' + String(d.user + d.system));`;

/** Wall nanoseconds of module initialisation of `file` in a fresh Node process with `env`. */
export function initNs(file: string, env: Record<string, string>): number {
  return initTimes(file, env).wallNs;
}

/**
 * Wall nanoseconds and CPU nanoseconds of module initialisation of `file` in a fresh Node process. Node options
 * as serverless.yml deploys them: none (no `--enable-source-maps`: the logger maps the stacks it writes,
 * shared/runtime/mapped-stack.ts); `nodeOptions` for a variant row.
 */
function initTimes(
  file: string,
  env: Record<string, string>,
  nodeOptions: readonly string[] = [],
): { wallNs: number; cpuNs: number } {
  const out = execFileSync(process.execPath, [...nodeOptions, '--input-type=module', '-e', PROBE, file], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [wall = '', cpu = ''] = out.trim().split(' ');
  return { wallNs: Number(wall), cpuNs: Number(cpu) * 1000 };
}

interface Row {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  /** The files a cold start loads: the entry file and its static chunks. */
  readonly files: number;
  readonly bySource: ReadonlyMap<string, number>;
  readonly env: Record<string, string>;
  /** Node options of this row (default none, as deployed). */
  readonly nodeOptions?: readonly string[];
  /** The row this one is divided by in `× reference`. */
  readonly reference?: string;
}

/** Bundles every function and its reference and prints init times, ratios and sizes. */
export default async function run(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'cold-start-'));
  try {
    const rows: Row[] = [];
    const add = async (entry: string, row: Omit<Row, 'file' | 'bytes' | 'files' | 'bySource'>, plugins?: Plugin[]) => {
      const bundle = await buildFunctionBundle(entry, out, { plugins, folder: row.name.replace(/\W+/g, '-') });
      rows.push({
        ...row,
        file: bundle.file,
        bytes: bundle.bytes,
        files: bundle.initFiles.length,
        bySource: bundle.bytesBySource,
      });
      return bundle;
    };
    const empty = join(out, 'empty.ts');
    writeFileSync(empty, 'export const handler = async () => ({});\n');
    await add(empty, { name: 'empty', env: ENV });
    for (const entry of functionEntries()) {
      const name = basename(entry, '.ts');
      const reference = `${name} (reference)`;
      const bundle = await add(entry, { name, env: ENV, reference });
      // The authorizer's reference adds aws-jwt-verify's verifier to its DynamoDB client (bench/authorizer-reference.ts).
      let referenceEntry = join(root, 'bench', 'authorizer-reference.ts');
      if (name !== 'authorizer') {
        const clients = SDK_CLIENTS[name] ?? { built: [] };
        referenceEntry = join(out, `${name}.reference.ts`);
        writeFileSync(referenceEntry, referenceSource(clients, await commandsIn(bundle, clients)));
      }
      await add(referenceEntry, { name: reference, env: ENV });
      if (METERED.has(name) && !QUICK)
        await add(entry, { name: `${name} −metrics`, env: ENV, reference }, [withoutMetrics]);
      if (name === 'documents') {
        const row = rows.find((candidate) => candidate.name === name) as Row;
        rows.push({ ...row, name: 'documents +postgres', env: { ...ENV, ...POSTGRES_ENV }, reference: 'documents' });
      }
      if (!QUICK) {
        // What Node's own source maps would cost this function: every bundle file's map read at load.
        const row = rows.find((candidate) => candidate.name === name) as Row;
        rows.push({ ...row, name: `${name} +source maps`, nodeOptions: ['--enable-source-maps'], reference: name });
      }
      if (TRACED.has(name) && !QUICK) {
        const row = rows.find((candidate) => candidate.name === name) as Row;
        rows.push({ ...row, name: `${name} +tracing`, env: { ...ENV, POWERTOOLS_TRACE_ENABLED: 'true' } });
      }
    }
    const functionNames = new Set(functionEntries().map((entry) => basename(entry, '.ts')));
    printBytesBySource(rows.filter((row) => functionNames.has(row.name) || row.name.endsWith('(reference)')));
    const samples = new Map(rows.map((row) => [row.name, [] as number[]]));
    const cpuSamples = new Map(rows.map((row) => [row.name, [] as number[]]));
    for (const row of rows) initTimes(row.file, row.env, row.nodeOptions); // warm the file cache
    for (let round = 0; round < RUNS; round++) {
      for (const row of rows) {
        const { wallNs, cpuNs } = initTimes(row.file, row.env, row.nodeOptions);
        samples.get(row.name)?.push(wallNs);
        cpuSamples.get(row.name)?.push(cpuNs);
      }
    }
    const ms = (name: string) => median(samples.get(name) ?? []) / 1e6;
    const cpuMs = (name: string) => median(cpuSamples.get(name) ?? []) / 1e6;
    // `× reference` on CPU: the median of the rounds' own ratios. A function and its reference run next to each
    // other in every round, so a slow spell of the shared machine (seen: one row's median 20 % off its reference's
    // in a run, and the other way round in the next) falls on both sides of a round's ratio; a ratio of the two
    // medians could take them from different spells.
    const cpuRatio = (name: string, reference: string) => {
      const of = cpuSamples.get(name) ?? [];
      const base = cpuSamples.get(reference) ?? [];
      return median(of.map((value, round) => value / (base[round] ?? Number.NaN)));
    };
    console.log(
      `\n## Cold start: module init in a fresh Node ${process.version} process (median of ${RUNS}, interleaved)`,
    );
    console.log(
      `${'bundle'.padEnd(34)} ${'init ms'.padStart(8)} ${'× reference'.padStart(12)} ${'CPU ms'.padStart(8)} ${'CPU × ref'.padStart(10)} ${'over empty'.padStart(11)} ${'init KB'.padStart(8)}`,
    );
    for (const row of rows) {
      const init = ms(row.name);
      const ratio = row.reference === undefined ? '' : (init / ms(row.reference)).toFixed(2);
      const cpuTimes = row.reference === undefined ? '' : cpuRatio(row.name, row.reference).toFixed(2);
      const over = row.name === 'empty' ? '' : `${signed(init - ms('empty'))} ms`;
      console.log(
        `${row.name.padEnd(34)} ${init.toFixed(1).padStart(8)} ${ratio.padStart(12)} ${cpuMs(row.name).toFixed(1).padStart(8)} ${cpuTimes.padStart(10)} ${over.padStart(11)} ${(row.bytes / 1024).toFixed(1).padStart(8)}`,
      );
    }
    console.log(
      'reference: the SDK clients the function constructs and the SDK commands it carries (authorizer: aws-jwt-verify, its cold-start JWKS fetch and a DynamoDB client), with an empty handler; tenant-me has none',
    );
    console.log('documents +postgres: × reference is against the documents function configured for DynamoDB');
    console.log('+source maps: × reference is against the same function as deployed (without the flag)');
    console.log(
      `PostgreSQL store at cold start: ${signed(ms('documents +postgres') - ms('documents'))} ms in the init phase, no longer paid by the first request`,
    );
    for (const row of rows) {
      // Every function against its reference, the issue's target (CPU time of the init; wall time beside it);
      // variant rows are shown above only.
      if (row.reference === undefined || !functionNames.has(row.name)) continue;
      const wall = `(wall ${(ms(row.name) / ms(row.reference)).toFixed(2)}×)`;
      console.log(
        `${target(`cold start ${row.name} / ${row.reference}, CPU`, cpuRatio(row.name, row.reference), '≤', 1.1)} ${wall}`,
      );
    }
    // What `--enable-source-maps` would cost each function's cold start (CPU): the same bundle with and without it.
    for (const name of QUICK ? [] : functionNames) {
      const withMaps = `${name} +source maps`;
      console.log(
        `--enable-source-maps at cold start, ${name}: ${signed(cpuMs(withMaps) - cpuMs(name))} ms CPU (${cpuRatio(withMaps, name).toFixed(2)}× the function as deployed)`,
      );
    }
    // What the decision metrics cost each function's cold start: the same bundle with and without them.
    for (const name of QUICK ? [] : METERED) {
      const withMetrics = ms(name);
      const without = ms(`${name} −metrics`);
      console.log(
        `metrics at cold start, ${name}: ${signed(withMetrics - without)} ms (${(withMetrics / without).toFixed(2)}× the function without metrics)`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Per SDK of `clients`, the command classes the bundle carries (from its source maps' original identifiers). */
async function commandsIn(
  bundle: FunctionBundle,
  clients: { built: readonly Sdk[]; bundled?: readonly Sdk[] },
): Promise<Map<Sdk, string[]>> {
  const identifiers = bundleIdentifiers(bundle);
  const commands = new Map<Sdk, string[]>();
  for (const sdk of [...clients.built, ...(clients.bundled ?? [])]) {
    const exported = Object.keys((await import(SDK_CLASS[sdk][1])) as object);
    commands.set(
      sdk,
      exported.filter((name) => name.endsWith('Command') && identifiers.has(name)),
    );
  }
  return commands;
}

/** Bytes of each bundle by source (esbuild's metafile), the largest first: what a cold start has to load. */
function printBytesBySource(rows: readonly Row[]): void {
  console.log(
    '\n## Bytes per function (esbuild metafile: what a cold start loads, the entry file and its static chunks, by source; KB)',
  );
  for (const row of rows) {
    const parts = [...row.bySource.entries()]
      .sort((a, b) => b[1] - a[1])
      .filter(([, bytes]) => bytes >= 1024)
      .map(([source, bytes]) => `${source} ${(bytes / 1024).toFixed(0)}`);
    const files = `${row.files} file${row.files === 1 ? '' : 's'}`;
    console.log(
      `${row.name.padEnd(34)} ${(row.bytes / 1024).toFixed(0).padStart(5)} ${files.padStart(8)}  ${parts.join(', ')}`,
    );
  }
}

/** A difference with its sign, one decimal. */
function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;
}
