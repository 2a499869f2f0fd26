import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { RegistryUnavailableError, TenancyError } from '../runtime/errors';
import { type Item, S } from './dynamo-item';

/** The `pk`/`sk` key of a registry item, marshalled. */
export function itemKey(key: { pk: string; sk: string }): Item {
  return { pk: S(key.pk), sk: S(key.sk) };
}

/** Wraps an SDK failure as `RegistryUnavailableError`; a `TenancyError` passes through unchanged. */
export function registryUnavailable(operation: string, error: unknown): TenancyError {
  return error instanceof TenancyError ? error : new RegistryUnavailableError(operation, { cause: error });
}

/**
 * The registry table's plumbing shared by the Lambda reads (`RegistryReader`) and the writes (`TenantRegistry`,
 * `TenantAdmin`): one client, one table, one clock, and every failure mapped to the `TenancyError` family.
 * Transactions are in `WritableRegistryTable`, so a bundle that only reads (the authorizer) carries no write
 * command.
 */
export class RegistryTable {
  constructor(
    readonly client: DynamoDBClient,
    readonly tableName: string,
    readonly now: () => Date,
  ) {}

  /** Runs one SDK call; any failure becomes `RegistryUnavailableError(operation)`. */
  async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw registryUnavailable(operation, error);
    }
  }

  /** Reads one item by key, or `undefined`. */
  async get(key: { pk: string; sk: string }, operation: string, consistent = false): Promise<Item | undefined> {
    const result = await this.send(operation, () =>
      this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: itemKey(key), ConsistentRead: consistent }),
      ),
    );
    return result.Item;
  }
}
