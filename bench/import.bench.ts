/**
 * `tenants import` against the sequential import users had before (`bench/sequential-import.ts`: one tenant at
 * a time, each of its ~8 registry calls awaited one by one), on DynamoDB Local in the same run, each import
 * into its own fresh table, dropped after it (target: today's import at the default concurrency ≥ 5× faster).
 * The seed has 10,000 tenants, each with a domain binding and one member (`--quick`: 300): every tenant is checked
 * (binding, member, tenant) and written (tenant, member, binding), as a real import. Today's import at
 * concurrency 1 is printed too: grouped reads and writes speed it up as well, so it is not the baseline.
 * A warm-up import (200 tenants, its own table) runs first: a fresh DynamoDB Local JVM is several times slower
 * than a warm one, which would fall on whichever import ran first.
 */
import { loadavg } from 'node:os';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { createRegistryTable, localDynamoDBClient, startDynamoDBLocal } from '../local/dynamodb-local';
import { DEFAULT_IMPORT_CONCURRENCY, importSeed, parseSeed } from '../shared/operations/tenant-seed';
import { TenantAdmin } from '../shared/registry/tenant-admin';
import { DEFAULT_TIERS } from '../shared/registry/tiers';
import { benchOptions, target } from './options';
import { sequentialImport } from './sequential-import';

const TARGET_SPEEDUP = 5;

export default async function run(): Promise<void> {
  const { quick, startTimeoutMs } = benchOptions();
  const count = quick ? 300 : 10_000;
  const seed = parseSeed(
    JSON.stringify({
      tenants: Array.from({ length: count }, (_, i) => ({
        tenantId: `bench-${i}`,
        name: `Bench ${i}`,
        tier: 'free',
        bindings: [{ kind: 'domain', domain: `bench-${i}.example` }],
        members: [{ sub: `bench-user-${i}` }],
      })),
    }),
    DEFAULT_TIERS,
  );
  const dynamo = await startDynamoDBLocal({ timeoutMs: startTimeoutMs });
  const client = localDynamoDBClient(dynamo.endpoint);
  try {
    const table = async (name: string): Promise<string> => {
      const tableName = `bench-import-${name}`;
      await createRegistryTable(client, tableName);
      return tableName;
    };
    const timed = async (label: string, run: (registry: TenantAdmin) => Promise<number>): Promise<number> => {
      const tableName = await table(label.replace(/[^a-z0-9]+/g, '-'));
      const registry = new TenantAdmin({ client, tableName, tiers: DEFAULT_TIERS });
      const start = process.hrtime.bigint();
      const created = await run(registry);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (created !== count) throw new Error(`${label}: created ${created} of ${count}`);
      // Dropped, so every import runs against a DynamoDB Local holding the same data (none).
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      console.log(
        `${label.padEnd(40)} ${ms.toFixed(0).padStart(8)} ms  ${(ms / count).toFixed(2).padStart(7)} ms/tenant`,
      );
      return ms;
    };
    const current = (concurrency: number) => async (registry: TenantAdmin) =>
      (await importSeed(registry, seed, { concurrency })).created.length;
    console.log(`\n## tenants import of ${count} tenants on DynamoDB Local (load average ${loadAverage()})`);
    await importSeed(
      new TenantAdmin({ client, tableName: await table('warm-up'), tiers: DEFAULT_TIERS }),
      seed.slice(0, 200),
      { concurrency: 4 },
    );
    await sequentialImport(
      new TenantAdmin({ client, tableName: await table('warm-up-sequential'), tiers: DEFAULT_TIERS }),
      seed.slice(0, 200),
    );
    const sequential = await timed('reference: sequential (before)', (registry) => sequentialImport(registry, seed));
    const one = await timed('import --concurrency 1', current(1));
    const parallel = await timed(
      `import --concurrency ${DEFAULT_IMPORT_CONCURRENCY}`,
      current(DEFAULT_IMPORT_CONCURRENCY),
    );
    console.log(
      target(
        `import speed-up, concurrency ${DEFAULT_IMPORT_CONCURRENCY} over the sequential reference`,
        sequential / parallel,
        '≥',
        TARGET_SPEEDUP,
      ),
    );
    console.log(`import speed-up, concurrency 1 over the sequential reference: ${(sequential / one).toFixed(2)}×`);
    console.log(
      `import speed-up, concurrency ${DEFAULT_IMPORT_CONCURRENCY} over concurrency 1: ${(one / parallel).toFixed(2)}×`,
    );
    console.log(`load average after: ${loadAverage()}`);
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

/** The 1, 5 and 15 minute load averages, for the reader to judge how busy the machine was. */
function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}
