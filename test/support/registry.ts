import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { createRegistryTable, localDynamoDBClient } from '../../local/dynamodb-local';
import { TenantAdmin } from '../../shared/registry/tenant-admin';
import { DEFAULT_TIERS, type Tiers } from '../../shared/registry/tiers';

/** A registry on a fresh table in the run's DynamoDB Local. */
export interface TestRegistry {
  readonly registry: TenantAdmin;
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly endpoint: string;
}

/** Creates a uniquely named registry table in DynamoDB Local and a registry over it. */
export async function createTestRegistry(tiers: Tiers = DEFAULT_TIERS): Promise<TestRegistry> {
  const endpoint = inject('dynamoEndpoint');
  const client = localDynamoDBClient(endpoint);
  const tableName = `tenancy-test-${randomUUID()}`;
  await createRegistryTable(client, tableName);
  return { registry: new TenantAdmin({ client, tableName, tiers }), client, tableName, endpoint };
}
