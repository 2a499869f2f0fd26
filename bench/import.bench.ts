/**
 * `tenants import` in parallel against the same seed imported one tenant at a time (concurrency 1, what the
 * import did before), both on DynamoDB Local in the same run, each into its own fresh table (target ≥ 5×
 * faster). The seed has 10,000 tenants, each with a domain binding and one member (`--quick`: 1,000): every
 * tenant is checked (binding, member, tenant reads) and written (tenant, member, binding), as a real import.
 */
import { createRegistryTable, localDynamoDBClient, startDynamoDBLocal } from '../local/dynamodb-local';
import { DEFAULT_IMPORT_CONCURRENCY, importSeed, parseSeed } from '../shared/operations/tenant-seed';
import { TenantAdmin } from '../shared/registry/tenant-admin';
import { DEFAULT_TIERS } from '../shared/registry/tiers';
import { benchOptions, target } from './options';

const TARGET_SPEEDUP = 5;

export default async function run(): Promise<void> {
  const { quick, startTimeoutMs } = benchOptions();
  const count = quick ? 1_000 : 10_000;
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
    const timeImport = async (concurrency: number): Promise<number> => {
      const tableName = `bench-import-${concurrency}`;
      await createRegistryTable(client, tableName);
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
    // Parallel first: whatever DynamoDB Local warms up (JIT, table growth) helps the sequential baseline.
    const parallel = await timeImport(DEFAULT_IMPORT_CONCURRENCY);
    const sequential = await timeImport(1);
    console.log(target('import speed-up, concurrency 16 over 1', sequential / parallel, '≥', TARGET_SPEEDUP));
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}
