/**
 * Tenant-scoped credentials and the documents function:
 * - getting a tenant's clients (and cached credentials) against a plain client lookup, 50 tenants warm;
 * - STS calls for 10,000 requests across 50 tenants over one hour of simulated time;
 * - cold start of the documents function against its reference bundle (the same SDK clients and the Logger,
 *   built as the function builds them at cold start, with an empty handler), with the deployed esbuild options.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { STSClient } from '@aws-sdk/client-sts';
import { build } from 'esbuild';
import { AssumedRoleCredentials } from '../shared/credentials/assumed-role-credentials';
import { StaticCredentials } from '../shared/credentials/static-credentials';
import { TenantClients } from '../shared/credentials/tenant-clients';
import { verifiedTenantId } from '../shared/credentials/tenant-context';
import { TRIGGER_CLIENT_LIMITS } from '../shared/runtime/dynamodb-client';
import { ENV, initNs } from './cold-start.bench';
import { compare, median, report } from './measure';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TENANTS = Array.from({ length: 50 }, (_, i) => `tenant-${String(i).padStart(2, '0')}`);
const DURATION = 900;
const MARGIN = 300;

/** An STS stand-in that counts calls and issues credentials valid for DURATION from the clock's now. */
function fakeSts(clock: { now: number }) {
  const counter = { calls: 0 };
  const sts = {
    send: async () => {
      counter.calls++;
      return {
        Credentials: {
          AccessKeyId: `AKIA${counter.calls}`,
          SecretAccessKey: 'secret',
          SessionToken: 'token',
          Expiration: new Date(clock.now + DURATION * 1000),
        },
      };
    },
  } as unknown as STSClient;
  return { sts, counter };
}

async function lookups(): Promise<void> {
  const clock = { now: Date.now() };
  const { sts } = fakeSts(clock);
  const credentials = new AssumedRoleCredentials({
    sts,
    roleArn: 'arn:aws:iam::123456789012:role/bench',
    durationSeconds: DURATION,
    marginSeconds: MARGIN,
    cacheSize: 1000,
    caller: 'bench',
    now: () => clock.now,
  });
  const clients = new TenantClients({
    source: new StaticCredentials({ accessKeyId: 'bench', secretAccessKey: 'bench' }),
    cacheSize: 1000,
    limits: TRIGGER_CLIENT_LIMITS,
  });
  const plain = new Map(TENANTS.map((tenant) => [tenant, clients.forTenant(tenant)]));
  const contexts = TENANTS.map((tenantId) => ({ tenantId, sub: 'user', groups: 'tenant-member' }));
  for (const tenant of TENANTS) await credentials.credentialsFor(tenant);
  const resolved = Promise.resolve({ accessKeyId: 'x', secretAccessKey: 'y' });
  let i = 0;
  const next = () => TENANTS[i++ % 50] ?? 'tenant-00';
  const results = await compare(
    {
      'plain client lookup (Map.get)': () => plain.get(next()),
      'TenantClients.forTenant (cached)': () => clients.forTenant(next()),
      'verifiedTenantId + forTenant (cached)': () => clients.forTenant(verifiedTenantId(contexts[i++ % 50])),
      'resolved promise (await baseline)': () => resolved,
      'AssumedRoleCredentials.credentialsFor (cached)': () => credentials.credentialsFor(next()),
    },
    { batch: 20_000 },
  );
  console.log(report("Tenant's clients and credentials, 50 tenants warm", results, 'plain client lookup (Map.get)'));
  const ns = (name: string) => results.find((result) => result.name === name)?.nsPerOp ?? Number.NaN;
  const over = (name: string, base: string) => `${(ns(name) - ns(base)).toFixed(0)} ns over ${base}`;
  console.log(
    `forTenant: ${over('TenantClients.forTenant (cached)', 'plain client lookup (Map.get)')} (target ≤ 1000)`,
  );
  console.log(
    `verifiedTenantId + forTenant: ${over('verifiedTenantId + forTenant (cached)', 'plain client lookup (Map.get)')} (target ≤ 1000)`,
  );
  console.log(
    `credentialsFor: ${over('AssumedRoleCredentials.credentialsFor (cached)', 'resolved promise (await baseline)')}`,
  );
}

async function stsCalls(): Promise<void> {
  const clock = { now: 1_700_000_000_000 };
  const { sts, counter } = fakeSts(clock);
  const credentials = new AssumedRoleCredentials({
    sts,
    roleArn: 'arn:aws:iam::123456789012:role/bench',
    durationSeconds: DURATION,
    marginSeconds: MARGIN,
    cacheSize: 50,
    caller: 'bench',
    now: () => clock.now,
  });
  const start = clock.now;
  for (let request = 0; request < 10_000; request++) {
    clock.now = start + Math.floor((request * 3_600_000) / 10_000);
    await credentials.credentialsFor(TENANTS[(request * 7_919) % 50] ?? 'tenant-00');
  }
  const bound = 50 * Math.ceil(3600 / (DURATION - MARGIN));
  console.log('\n## STS calls: 10,000 requests, 50 tenants, 1 h simulated, duration 900 s, margin 300 s');
  console.log(`AssumeRole calls: ${counter.calls} (bound: 1 per tenant per 600 s = ${bound}; uncached: 10000)`);
}

async function coldStart(): Promise<void> {
  const esbuildOptions = (
    createRequire(import.meta.url)(join(root, 'esbuild.config.cjs')) as { esbuildOptions: () => object }
  ).esbuildOptions();
  const out = mkdtempSync(join(tmpdir(), 'documents-cold-'));
  try {
    const reference = join(out, 'reference.ts');
    writeFileSync(
      reference,
      [
        `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';`,
        `import { S3Client } from '@aws-sdk/client-s3';`,
        `import { STSClient } from '@aws-sdk/client-sts';`,
        `import { Logger } from '@aws-lambda-powertools/logger';`,
        'const logger = new Logger();',
        // As the documents function does at cold start: the STS client is built, the tenant clients' classes
        // are bundled and built per tenant on first use.
        'const sts = new STSClient({});',
        'export const handler = async () => ({ logger, sts, DynamoDBClient, S3Client });',
      ].join('\n'),
    );
    const bundles = [];
    for (const [name, entry] of [
      ['reference (STS client built; DynamoDB, S3 bundled; Logger)', reference],
      ['documents', join(root, 'functions', 'documents.ts')],
    ] as const) {
      const dir = join(out, String(bundles.length));
      await build({
        ...esbuildOptions,
        entryPoints: [entry],
        outdir: dir,
        outExtension: { '.js': '.mjs' },
        bundle: true,
        // The reference entry lives in a temporary folder: resolve its packages from this repository.
        nodePaths: [join(root, 'node_modules')],
        logLevel: 'error',
      });
      const file = join(dir, `${entry.split('/').at(-1)?.replace(/\.ts$/, '')}.mjs`);
      bundles.push({ name, file, bytes: statSync(file).size, samples: [] as number[] });
    }
    const runs = Number(process.env.COLD_START_RUNS ?? 15);
    for (const bundle of bundles) initNs(bundle.file, ENV);
    for (let run = 0; run < runs; run++) for (const bundle of bundles) bundle.samples.push(initNs(bundle.file, ENV));
    const [base, documents] = bundles.map((bundle) => median(bundle.samples) / 1e6);
    console.log(`\n## Cold start: documents function against its reference bundle (median of ${runs}, interleaved)`);
    for (const bundle of bundles) {
      const ms = median(bundle.samples) / 1e6;
      console.log(
        `${bundle.name.padEnd(48)} ${ms.toFixed(1).padStart(8)} ms ${(bundle.bytes / 1024).toFixed(0).padStart(6)} KB`,
      );
    }
    console.log(`init(documents) / init(reference) = ${((documents ?? 0) / (base ?? 1)).toFixed(2)}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Runs the three parts. */
export default async function run(): Promise<void> {
  await lookups();
  await stsCalls();
  await coldStart();
}
