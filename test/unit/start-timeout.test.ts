import { describe, expect, it } from 'vitest';
import {
  BASE_START_TIMEOUT_MS,
  defaultStartTimeoutMs,
  MAX_DEFAULT_START_TIMEOUT_MS,
  START_TIMEOUT_ENV,
  startBudgetMs,
  startTimeoutMs,
} from '../../local/start-timeout';
import { ConfigurationError } from '../../shared/runtime/errors';

const quiet = () => ({ cores: 2, loadAverage: 0.5 });

describe('the one start-up limit', () => {
  it('is 60 s on a quiet machine and grows with the load per core, up to 10 minutes', () => {
    // Act
    const limits = [
      defaultStartTimeoutMs({ cores: 2, loadAverage: 0.5 }),
      defaultStartTimeoutMs({ cores: 2, loadAverage: 2 }),
      defaultStartTimeoutMs({ cores: 2, loadAverage: 10 }),
      defaultStartTimeoutMs({ cores: 8, loadAverage: 10 }),
      defaultStartTimeoutMs({ cores: 2, loadAverage: 28 }),
    ];

    // Assess
    expect(BASE_START_TIMEOUT_MS).toBe(60_000);
    expect(limits).toEqual([60_000, 60_000, 300_000, 75_000, MAX_DEFAULT_START_TIMEOUT_MS]);
  });

  it('takes LOCAL_STACK_START_TIMEOUT_MS over the machine default, and budgets starts in sequence as multiples of it', () => {
    // Prepare
    const env = { [START_TIMEOUT_ENV]: '45000' };

    // Act
    const limit = startTimeoutMs(env, quiet);
    const budget = startBudgetMs(4, env);
    const unset = startTimeoutMs({ [START_TIMEOUT_ENV]: '' }, () => ({ cores: 1, loadAverage: 3 }));

    // Assess
    expect([limit, budget, unset]).toEqual([45_000, 180_000, 180_000]);
  });

  it.each(['0', '-5', '1.5', '30s', '1e4', ' ', '3600001', '99999999999999999999'])(
    'refuses %j as LOCAL_STACK_START_TIMEOUT_MS, naming the variable',
    (raw) => {
      // Act
      const read = () => startTimeoutMs({ [START_TIMEOUT_ENV]: raw }, quiet);

      // Assess
      expect(read).toThrow(ConfigurationError);
      expect(read).toThrow(/^LOCAL_STACK_START_TIMEOUT_MS: must be a whole number of milliseconds from 1 to 3600000/);
    },
  );
});
