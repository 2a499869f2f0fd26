/**
 * The one start-up limit of the local stack and the tests: how long DynamoDB Local, cognito-local, s3rver and
 * serverless-offline may take to answer, and what the Vitest timeouts bound by start-ups derive from.
 *
 * `LOCAL_STACK_START_TIMEOUT_MS` sets it (a whole number of milliseconds). Without it, the limit scales with how
 * busy the machine is: 60 s × max(1, load average ÷ available parallelism), using the larger of the 1- and
 * 5-minute load averages, capped at 10 minutes. A quiet machine gets 60 s; two cores at load 10 get 300 s.
 * A limit is a ceiling for a start that hangs, never a wait: a server that answers sooner is used at once.
 * `vitest.config.ts` resolves it once per run and hands the value to every worker and child process, so one
 * run uses one limit.
 */
import { availableParallelism, loadavg } from 'node:os';
// vitest.config.ts loads this module before any test runs; Vite's config loader wants explicit file extensions
// for everything it imports, so this module imports only the error hierarchy, by its full file name.
import { ConfigurationError } from '../shared/runtime/errors.ts';

/** The environment variable that sets the start-up limit, in milliseconds. */
export const START_TIMEOUT_ENV = 'LOCAL_STACK_START_TIMEOUT_MS';

/** The limit on a quiet machine, and the ceiling of the scaled default. */
export const BASE_START_TIMEOUT_MS = 60_000;
export const MAX_DEFAULT_START_TIMEOUT_MS = 600_000;
/** The largest value the variable accepts (one hour): anything longer is a typo, not a slow machine. */
const MAX_START_TIMEOUT_MS = 3_600_000;

/** How busy the machine is: its usable cores and its load average. */
export interface MachineLoad {
  readonly cores: number;
  readonly loadAverage: number;
}

/** This machine's load now: `os.availableParallelism()` and the larger of the 1- and 5-minute load averages. */
function currentMachineLoad(): MachineLoad {
  const [one = 0, five = 0] = loadavg();
  return { cores: availableParallelism(), loadAverage: Math.max(one, five) };
}

/** The default limit for a machine: 60 s × max(1, load ÷ cores), capped at 10 minutes. */
export function defaultStartTimeoutMs(machine: MachineLoad): number {
  const perCore = machine.loadAverage / Math.max(1, machine.cores);
  const scaled = BASE_START_TIMEOUT_MS * Math.max(1, Number.isFinite(perCore) ? perCore : 1);
  return Math.min(MAX_DEFAULT_START_TIMEOUT_MS, Math.round(scaled / 1000) * 1000);
}

/**
 * The start-up limit in milliseconds: `LOCAL_STACK_START_TIMEOUT_MS` when set (a whole number from 1 to 3600000,
 * anything else is refused), otherwise the default for the machine's load.
 */
export function startTimeoutMs(
  env: Readonly<Record<string, string | undefined>> = process.env,
  machine: () => MachineLoad = currentMachineLoad,
): number {
  const raw = env[START_TIMEOUT_ENV];
  if (raw === undefined || raw === '') return defaultStartTimeoutMs(machine());
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1 || value > MAX_START_TIMEOUT_MS) {
    throw new ConfigurationError(
      `must be a whole number of milliseconds from 1 to ${MAX_START_TIMEOUT_MS}, got "${raw}"`,
      START_TIMEOUT_ENV,
    );
  }
  return value;
}

/**
 * The time allowed for `starts` start-ups in sequence (a local stack starts four servers; a replay starts a
 * CLI and then the stack): `starts` × the limit. Tests use it for their start-bound timeouts, so the harness's
 * own limit, whose error names what did not answer, always fires before Vitest's.
 */
export function startBudgetMs(starts: number, env: Readonly<Record<string, string | undefined>> = process.env): number {
  return starts * startTimeoutMs(env);
}
