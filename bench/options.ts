import { startTimeoutMs } from '../local/start-timeout';

/** What `npm run bench` was asked for, for the bench modules: `bench/run.ts` sets it from its arguments. */
export interface BenchOptions {
  /** `--quick`: fewer rounds and smaller data sets, for a short run on a busy machine. */
  readonly quick: boolean;
  /** The start-up limit of DynamoDB Local and other children, in milliseconds. */
  readonly startTimeoutMs: number;
}

/**
 * The options of this run: `BENCH_QUICK=1` (set by `--quick`) and the local stack's own start-up limit
 * (`LOCAL_STACK_START_TIMEOUT_MS`, else its default for the machine's load: `local/start-timeout.ts`).
 */
export function benchOptions(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  return { quick: env.BENCH_QUICK === '1', startTimeoutMs: startTimeoutMs(env) };
}

/** One target line: the figure, the target, and `met` or `NOT met`. */
export function target(what: string, ratio: number, relation: '≤' | '≥', bound: number): string {
  const met = relation === '≤' ? ratio <= bound : ratio >= bound;
  return `target: ${what}: ${ratio.toFixed(2)}× (${relation} ${bound}) ${met ? 'met' : 'NOT met'}`;
}
