/**
 * `tenants import` in parallel against the same seed imported one tenant at a time (concurrency 1, what the
 * import did before), both on DynamoDB Local in the same run, each into its own fresh table (target ≥ 5×
 * faster). The seed has 10,000 tenants, each with a domain binding and one member (`--quick`: 300): every
 * tenant is checked (binding, member, tenant reads) and written (tenant, member, binding), as a real import.
 * A warm-up import (200 tenants, its own table) runs first: a fresh DynamoDB Local JVM is several times slower
 * than a warm one, which would fall on whichever import ran first. Concurrency 4 is shown too: on a small
 * machine DynamoDB Local itself, not the import, limits what concurrency buys.
 */
import { createRegistryTable, localDynamoDBClient, startDynamoDBLocal } from '../local/dynamodb-local';
import { DEFAULT_IMPORT_CONCURRENCY, importSeed, parseSeed } from '../shared/operations/tenant-seed';
import { TenantAdmin } from '../shared/registry/tenant-admin';
import { DEFAULT_TIERS } from '../shared/registry/tiers';
import { benchOptions, target } from './options';

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
    const timeImport = async (concurrency: number): Promise<number> => {
      const tableName = await table(`concurrency-${concurrency}`);
      const registry = new TenantAdmin({ client, tableName, tiers: DEFAULT_TIERS });
      const start = process.hrtime.bigint();
      const result = await importSeed(registry, seed, { concurrency });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (result.created.length !== count) throw new Error(`import created ${result.created.length} of ${count}`);
      console.log(
        `${`concurrency ${concurrency}`.padEnd(16)} ${ms.toFixed(0).padStart(8)} ms  ${(ms / count).toFixed(2).padStart(7)} ms/tenant`,
      );
      return ms;
    };
    console.log(`\n## tenants import of ${count} tenants on DynamoDB Local`);
    await importSeed(
      new TenantAdmin({ client, tableName: await table('warm-up'), tiers: DEFAULT_TIERS }),
      seed.slice(0, 200),
      {
        concurrency: 4,
      },
    );
    const sequential = await timeImport(1);
    const parallel = await timeImport(DEFAULT_IMPORT_CONCURRENCY);
    const four = await timeImport(4);
    console.log(target('import speed-up, concurrency 16 over 1', sequential / parallel, '≥', TARGET_SPEEDUP));
    console.log(`import speed-up, concurrency 4 over 1: ${(sequential / four).toFixed(2)}×`);
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}
