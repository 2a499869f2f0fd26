import { DeadlineExceededError } from './errors';

/**
 * Settles with `work`, or rejects with `DeadlineExceededError` after `budgetMs`. Cognito gives a trigger 5 s
 * in all and shows a timeout as an opaque failure; failing at our own budget gives a clear error and log line,
 * and the idempotent work is finished by Cognito's retry. The late work is not cancelled, only abandoned.
 */
export async function withDeadline<T>(operation: string, budgetMs: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(operation, budgetMs)), budgetMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// Leaves the platform time to return our error instead of its own timeout.
const MARGIN_MS = 250;

/**
 * The time a trigger may spend: its configured budget, cut to what the invocation has left (less a margin) when
 * Lambda tells; never negative.
 */
export function triggerBudget(budgetMs: number, context?: { getRemainingTimeInMillis?: () => number }): number {
  const remaining = context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
  return Math.max(0, Math.min(budgetMs, remaining - MARGIN_MS));
}
