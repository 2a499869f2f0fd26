import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCognitoClient } from '../../shared/runtime/cognito-client';
import { withDeadline } from '../../shared/runtime/deadline';
import { TRIGGER_CLIENT_LIMITS } from '../../shared/runtime/dynamodb-client';
import { DeadlineExceededError } from '../../shared/runtime/errors';

describe('trigger time budget', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fails with a clear error when the work outlives its budget', async () => {
    // Prepare
    vi.useFakeTimers();
    const hung = new Promise<string>(() => undefined);

    // Act
    const run = withDeadline('post confirmation', 4000, hung);
    const assessed = expect(run).rejects.toThrow(new DeadlineExceededError('post confirmation', 4000));
    await vi.advanceTimersByTimeAsync(4000);

    // Assess
    await assessed;
  });

  it('returns the result of work that finishes in time and leaves no timer behind', async () => {
    // Prepare
    vi.useFakeTimers();

    // Act
    const result = await withDeadline('pre sign-up', 4000, Promise.resolve('admitted'));

    // Assess
    expect(result).toBe('admitted');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('bounds the Cognito client like the registry client: few attempts, short timeouts', async () => {
    // Prepare
    const client = createCognitoClient();

    // Act
    const maxAttempts = await client.config.maxAttempts();

    // Assess
    expect(maxAttempts).toBe(TRIGGER_CLIENT_LIMITS.maxAttempts);
    // Three attempts of at most connection + request timeout each stay inside Cognito's 5 s.
    const worstCase =
      maxAttempts * (TRIGGER_CLIENT_LIMITS.connectionTimeoutMs + TRIGGER_CLIENT_LIMITS.requestTimeoutMs);
    expect(worstCase).toBeLessThan(5000);
    client.destroy();
  });
});
