import type { BatchGetItemInput, DynamoDBClient, TransactWriteItemsInput } from '@aws-sdk/client-dynamodb';

/**
 * What the requests sent through a client looked like, and the limits of the real API they are held to:
 * DynamoDB API reference, TransactWriteItems ("groups up to 100 action requests … no two actions can target
 * the same item") and BatchGetItem ("as many as 100 items … If you request more than 100 items, BatchGetItem
 * returns a ValidationException"; the keys of one request must be distinct).
 */
export interface RequestLimits {
  /** The number of actions of each `TransactWriteItems` sent, in order. */
  readonly transactions: number[];
  /** The number of keys of each `BatchGetItem` sent, in order. */
  readonly batchGets: number[];
}

/** A request the real API refuses, refused the way it does (before anything is written). */
class LimitExceeded extends Error {
  override name = 'ValidationException';
}

const itemId = (key: Record<string, { S?: string }> | undefined) => `${key?.pk?.S}\n${key?.sk?.S}`;

/**
 * Records every `TransactWriteItems` and `BatchGetItem` sent through `client` and refuses, as DynamoDB does,
 * one with more than 100 actions or keys, two actions on the same item, or the same key twice: a test of
 * code that groups requests then fails on the request itself, whatever the local emulator lets through.
 */
export function enforceDynamoDBLimits(client: DynamoDBClient): RequestLimits {
  const limits: RequestLimits = { transactions: [], batchGets: [] };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'TransactWriteItemsCommand') {
        const actions = (args.input as TransactWriteItemsInput).TransactItems ?? [];
        limits.transactions.push(actions.length);
        if (actions.length > 100) throw new LimitExceeded(`${actions.length} actions in one transaction`);
        const ids = actions.map((action) =>
          itemId(action.Put?.Item ?? action.Update?.Key ?? action.Delete?.Key ?? action.ConditionCheck?.Key),
        );
        if (new Set(ids).size !== ids.length) throw new LimitExceeded('two actions on one item');
      }
      if (context.commandName === 'BatchGetItemCommand') {
        const keys = Object.values((args.input as BatchGetItemInput).RequestItems ?? {}).flatMap(
          (request) => request.Keys ?? [],
        );
        limits.batchGets.push(keys.length);
        if (keys.length > 100) throw new LimitExceeded('Too many items requested for the BatchGetItem call');
        if (new Set(keys.map(itemId)).size !== keys.length) throw new LimitExceeded('duplicate keys');
      }
      return next(args);
    },
    { step: 'initialize', name: 'enforceDynamoDBLimits' },
  );
  return limits;
}
