import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  createRegistryTable,
  type DynamoDBLocal,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDBClient,
  startDynamoDBLocal,
} from '../local/dynamodb-local';
import { TenantAdmin } from '../shared/registry/tenant-admin';
import { parseTiers } from '../shared/registry/tiers';
import { InvalidInputError } from '../shared/runtime/errors';
import type { Env } from '../shared/runtime/settings';

/** The table name used by the local harness. */
export const LOCAL_TABLE = 'cognito-tenancy-local';

/** A registry the CLI talks to, and how to let go of it. */
export interface RegistryTarget {
  readonly registry: TenantAdmin;
  /** Where it is, for the user: `local (…)` or the table name. */
  readonly description: string;
  close(): Promise<void>;
}

export interface TargetOptions {
  readonly local: boolean;
  readonly table: string | undefined;
  readonly env: Env;
  /** Directory of the persistent local database. */
  readonly localDataDir: string;
}

/** Whether the environment names an AWS region or credentials (else the CLI defaults to the local harness). */
export function awsConfigured(env: Env): boolean {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const credentials = env.AWS_ACCESS_KEY_ID ?? env.AWS_PROFILE;
  const files = existsSync(join(homedir(), '.aws', 'credentials')) || existsSync(join(homedir(), '.aws', 'config'));
  return region !== undefined || credentials !== undefined || files;
}

/**
 * Chooses the registry: an explicit local endpoint (`AWS_ENDPOINT_URL_DYNAMODB`, as the local stack sets), the
 * local harness (`--local`, or nothing AWS configured: a DynamoDB Local with its data under `.local/`, started
 * for this command and stopped after it), or the real table named by `--table` / `TENANCY_TABLE_NAME`.
 */
export async function openRegistry(options: TargetOptions): Promise<RegistryTarget> {
  const tiers = parseTiers(options.env.TENANCY_TIERS);
  const endpoint = options.env.AWS_ENDPOINT_URL_DYNAMODB;
  const tableName = options.table ?? options.env.TENANCY_TABLE_NAME;
  if (endpoint !== undefined && endpoint !== '') {
    const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const table = tableName ?? LOCAL_TABLE;
    await createRegistryTable(client, table);
    return {
      registry: new TenantAdmin({ client, tableName: table, tiers }),
      description: `${endpoint} table ${table}`,
      close: async () => client.destroy(),
    };
  }
  if (options.local || !awsConfigured(options.env)) {
    mkdirSync(options.localDataDir, { recursive: true });
    const dynamo: DynamoDBLocal = await startDynamoDBLocal({ dbPath: options.localDataDir });
    const client = localDynamoDBClient(dynamo.endpoint);
    await createRegistryTable(client, LOCAL_TABLE);
    return {
      registry: new TenantAdmin({ client, tableName: LOCAL_TABLE, tiers }),
      description: `local (${options.localDataDir})`,
      close: async () => {
        client.destroy();
        await dynamo.stop();
      },
    };
  }
  if (tableName === undefined) {
    throw new InvalidInputError('name the registry table with --table or TENANCY_TABLE_NAME, or use --local', 'table');
  }
  const client = new DynamoDBClient({});
  return {
    registry: new TenantAdmin({ client, tableName, tiers }),
    description: `table ${tableName}`,
    close: async () => client.destroy(),
  };
}
