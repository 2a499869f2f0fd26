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
