/** Result of timing one function. */
export interface Measurement {
  readonly name: string;
  /** Median nanoseconds per call over the rounds. */
  readonly nsPerOp: number;
}

/** Options of `compare`. */
export interface CompareOptions {
  readonly batch?: number;
  readonly rounds?: number;
  readonly warmup?: number;
  /**
   * `wall` (default): elapsed time. `cpu`: this process's CPU time (user + system, every thread), which leaves out
   * what other processes do meanwhile, such as the reader of a pipe the candidates write to, scheduled on the same
   * cores of a shared machine.
   */
  readonly clock?: 'wall' | 'cpu';
  /** Awaited at the end of each batch, inside the timing: e.g. until standard output has drained. */
  readonly settle?: () => Promise<void>;
}

/** Nanoseconds on the chosen clock, from an arbitrary origin. */
function clockNs(clock: 'wall' | 'cpu'): number {
  if (clock === 'wall') return Number(process.hrtime.bigint());
  const { user, system } = process.cpuUsage();
  return (user + system) * 1_000;
}

/**
 * Times `fn` in rounds of `batch` calls, interleaving the candidates round by round so that machine noise
 * (shared, 2-core machines) hits all of them alike; reports each candidate's median ns per call.
 */
export async function compare(
  candidates: Record<string, () => unknown>,
  options: CompareOptions = {},
): Promise<Measurement[]> {
  const batch = options.batch ?? 2_000;
  const rounds = options.rounds ?? 25;
  const warmup = options.warmup ?? 5;
  const clock = options.clock ?? 'wall';
  const entries = Object.entries(candidates);
  const samples = new Map<string, number[]>(entries.map(([name]) => [name, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    for (const [name, fn] of entries) {
      const start = clockNs(clock);
      for (let i = 0; i < batch; i++) {
        const result = fn();
        if (result instanceof Promise) await result;
      }
      if (options.settle !== undefined) await options.settle();
      const elapsed = clockNs(clock) - start;
      if (round >= warmup) samples.get(name)?.push(elapsed / batch);
    }
  }
  return entries.map(([name]) => ({ name, nsPerOp: median(samples.get(name) ?? []) }));
}

/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Formats measurements as a table with each row's ratio against the named baseline. */
export function report(title: string, results: readonly Measurement[], baseline: string): string {
  const base = results.find((result) => result.name === baseline)?.nsPerOp ?? Number.NaN;
  const lines = [`\n## ${title}`, `${'case'.padEnd(48)} ${'ns/op'.padStart(12)} ${'× baseline'.padStart(12)}`];
  for (const { name, nsPerOp } of results) {
    lines.push(`${name.padEnd(48)} ${nsPerOp.toFixed(0).padStart(12)} ${(nsPerOp / base).toFixed(2).padStart(12)}`);
  }
  return lines.join('\n');
}

/** Resolves once everything written to standard output so far has been handed to the operating system. */
export function stdoutDrained(): Promise<void> {
  return new Promise((resolve) => process.stdout.write('', () => resolve()));
}
