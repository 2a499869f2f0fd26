import {
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { RegistryTable, registryUnavailable } from './registry-table';

// DynamoDB cancels concurrent transactions on the same item with TransactionConflict; those are retried.
export const CONFLICT_RETRIES = 8;

/** Waits before a retry: 10 ms plus jitter up to 20 ms × 2^min(attempt, 4) (conflicting transactions, unprocessed reads). */
export const retryBackoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20 * 2 ** Math.min(attempt, 4)));

/** The registry table with its writes: `RegistryTable`'s reads plus transactions. */
export class WritableRegistryTable extends RegistryTable {
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
        await retryBackoff(attempt);
      }
    }
  }
}
