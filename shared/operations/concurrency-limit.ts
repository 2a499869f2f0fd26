/**
 * A limit on how many tasks run at once: `limit(task)` runs `task` when fewer than `n` run, else when one of
 * them ends, in the order the tasks were given. The result (or failure) of `task` is passed on.
 */
export function concurrencyLimit(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError('the limit must be a positive integer');
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiting task, so no later caller can take it in between.
      const next = waiting.shift();
      if (next === undefined) running--;
      else next();
    }
  };
}
