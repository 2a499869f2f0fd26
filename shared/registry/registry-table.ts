import {
  type DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { RegistryUnavailableError, TenancyError } from '../runtime/errors';
import { type Item, S } from './dynamo-item';

// DynamoDB cancels concurrent transactions on the same item with TransactionConflict; those are retried.
export const CONFLICT_RETRIES = 8;

/** The `pk`/`sk` key of a registry item, marshalled. */
export function itemKey(key: { pk: string; sk: string }): Item {
  return { pk: S(key.pk), sk: S(key.sk) };
}

/** Wraps an SDK failure as `RegistryUnavailableError`; a `TenancyError` passes through unchanged. */
function registryUnavailable(operation: string, error: unknown): TenancyError {
  return error instanceof TenancyError ? error : new RegistryUnavailableError(operation, { cause: error });
}

/** Waits `ms` milliseconds (backoff between transaction retries). */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The registry table's plumbing shared by the Lambda reads (`TenantRegistry`) and the operator writes
 * (`TenantAdmin`): one client, one table, one clock, and every failure mapped to the `TenancyError` family.
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

  /**
   * Runs a transaction. Returns `undefined` on success, or one flag per item telling whether its condition
   * failed. Transactions cancelled only by concurrent transactions on the same items are retried.
   */
  async transact(operation: string, items: TransactWriteItem[]): Promise<boolean[] | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
        return undefined;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw registryUnavailable(operation, error);
        const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
        if (codes.includes('ConditionalCheckFailed')) return codes.map((code) => code === 'ConditionalCheckFailed');
        if (!codes.includes('TransactionConflict') || attempt >= CONFLICT_RETRIES) {
          throw registryUnavailable(operation, error);
        }
        await sleep(10 + Math.random() * 20 * 2 ** Math.min(attempt, 4));
      }
    }
  }
}
