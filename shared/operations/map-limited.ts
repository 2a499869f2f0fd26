/**
 * Runs `task` over `items` with at most `concurrency` calls in flight and returns the results in the order of
 * `items`. After the first failure no further task starts; the tasks in flight finish, and the failure of the
 * earliest item among those that failed is thrown, so the error an operator sees does not depend on timing
 * more than it must.
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  const results = new Array<R>(items.length);
  const failures: { index: number; error: unknown }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T, index);
      } catch (error) {
        failures.push({ index, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failures.length > 0) {
    failures.sort((a, b) => a.index - b.index);
    throw failures[0]?.error;
  }
  return results;
}
