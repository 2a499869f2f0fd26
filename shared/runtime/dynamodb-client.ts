import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Bounds on one registry call; Cognito gives a trigger 5 s in all, so no call may hang. */
export interface ClientLimits {
  /** Attempts per call, the first included. */
  readonly maxAttempts: number;
  /** Milliseconds to establish a connection. */
  readonly connectionTimeoutMs: number;
  /** Milliseconds to wait for a response. */
  readonly requestTimeoutMs: number;
}

/** Limits for Lambda triggers: three attempts of at most 1 s each stay inside the 4 s budget. */
export const TRIGGER_CLIENT_LIMITS: ClientLimits = { maxAttempts: 3, connectionTimeoutMs: 500, requestTimeoutMs: 1000 };

/**
 * A DynamoDB client with explicit timeouts and retries. The endpoint comes from the standard SDK
 * configuration (`AWS_ENDPOINT_URL_DYNAMODB` for the local stack), so handlers have no test-only paths.
 */
export function createDynamoDBClient(limits: ClientLimits = TRIGGER_CLIENT_LIMITS): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: limits.maxAttempts,
    requestHandler: { connectionTimeout: limits.connectionTimeoutMs, requestTimeout: limits.requestTimeoutMs },
  });
}
