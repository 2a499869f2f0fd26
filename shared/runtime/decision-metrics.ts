import type { HandlerLogger, LogAttributes } from './handler-logger';
import { LOG_LEVELS, observabilityConfigFromEnv } from './observability-config';
import type { Outcome, ReasonCode } from './reason-codes';
import type { Env } from './settings';

/** The one metric every function emits: a count of decisions (docs/observability.md "Metrics"). */
const DECISIONS_METRIC = 'Decisions';
/** The `tier` dimension of a decision made before any tenant was known. */
export const NO_TIER = 'none';
/** The `tier` dimension of a tier that is not configured (a token from elsewhere): never an arbitrary value. */
export const OTHER_TIER = 'other';

// Every reachable combination is a handful of outcomes × reasons × configured tiers; the bound only guards
// against a bug feeding it unbounded values.
const MAX_TEMPLATES = 512;

/** The log half of a decision line: written when its level is at or above the logger's level. */
export interface DecisionLine {
  readonly level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly message: string;
  /**
   * Further log fields (resource, error, detail…). Never `outcome`, `reason` or `tier`: the line carries those
   * once, as the metric's dimensions (an unconfigured tier is logged as `other`, like it is counted); nor the
   * logger's appended keys (tenantId, sub, triggerSource), which the line carries from the logger.
   */
  readonly fields?: LogAttributes | undefined;
}

/** What a decision line takes from the logger: its level and the keys appended for this invocation. */
export interface DecisionLogger {
  readonly level: number;
  readonly keysJson: string;
}

/** Options of `DecisionMetrics`; the defaults are what the Lambda functions use. */
export interface DecisionMetricsOptions {
  /** The `service` dimension: the function. `POWERTOOLS_SERVICE_NAME` (set per function) takes precedence. */
  readonly service: string;
  /** Overrides `POWERTOOLS_METRICS_NAMESPACE` (default `CognitoTenancy`). */
  readonly namespace?: string | undefined;
  /** The configured tier names; any other tier is counted as `other`. */
  readonly tiers: Iterable<string>;
  /**
   * The function's logger (`JsonLogger`): a `DecisionLine` below its level is not built, and the line carries
   * the keys appended to it. Without it: level INFO, no keys.
   */
  readonly logger?: DecisionLogger | undefined;
  /** Overrides the logger's level threshold (`LOG_LEVELS`). */
  readonly logLevel?: number | undefined;
  /** The environment, read once here (cold start). Default: `process.env`. */
  readonly env?: Env | undefined;
  /** Where a line goes. Default: standard output, one `write` per line. */
  readonly write?: ((line: string) => void) | undefined;
  /** Clock in milliseconds for the EMF timestamp. */
  readonly now?: (() => number) | undefined;
}

/**
 * Counts decisions as CloudWatch embedded-metric-format (EMF) lines: metric `Decisions` (Count) with
 * dimensions `service` (the function), `outcome`, `reason` (a code of `REASON_CODES`) and `tier`, one dimension
 * set (every extra set is billed as more custom metrics; totals per outcome are a metric-math SUM over the
 * reasons). Dimensions are low-cardinality by construction: typed outcomes and reason codes, configured tiers
 * only, never a tenant id or a user.
 *
 * One line per decision: a decision's log line (`DecisionLine`) is the same JSON line as its metric, EMF
 * allowing other members beside the metrics (docs/observability.md "Metrics" cites the specification):
 * `level`, `message`, `timestamp` (ISO, as the logger writes it), the logger's appended keys and the line's
 * fields follow the EMF members, and the whole is written with one `write` when the decision is made, never
 * batched, so the counts are exact and a frozen container loses nothing already decided. With metrics off
 * (`POWERTOOLS_METRICS_DISABLED=true`, or `POWERTOOLS_DEV=true` without it) the line is a plain log line with
 * the same fields; below the log level only the metric is written, and no log field is serialized.
 *
 * The document is this module's own (Powertools Metrics writes the same JSON, tested in
 * test/unit/decision-metrics.test.ts, but cost 10 KB of every bundle and ~9 µs per `publishStoredMetrics`):
 * each combination's document is built once per container and each decision writes it with a fresh timestamp.
 * The environment is read once, in the constructor.
 */
export class DecisionMetrics {
  readonly #tiers: ReadonlySet<string>;
  readonly #templates = new Map<string, string>();
  readonly #write: (line: string) => void;
  readonly #now: () => number;
  readonly #off: boolean;
  readonly #logLevel: number;
  readonly #logger: DecisionLogger | undefined;
  readonly #service: string;
  readonly #namespace: string;

  constructor(options: DecisionMetricsOptions) {
    const config = observabilityConfigFromEnv(options.env ?? process.env, options.service);
    this.#namespace = JSON.stringify(options.namespace ?? config.namespace);
    this.#service = JSON.stringify(config.service);
    this.#logger = options.logger;
    this.#logLevel = options.logLevel ?? options.logger?.level ?? LOG_LEVELS.INFO;
    this.#tiers = new Set(options.tiers);
    this.#write = options.write ?? ((line) => process.stdout.write(line));
    this.#now = options.now ?? Date.now;
    this.#off = !config.metricsEnabled;
  }

  /**
   * Counts one decision and, when `line` is given and its level is on, logs it in the same line. `tier` is the
   * tenant's tier when known. Never throws.
   */
  record(outcome: Outcome, reason: ReasonCode, tier?: string, line?: DecisionLine): void {
    const logged = line !== undefined && LOG_LEVELS[line.level] >= this.#logLevel;
    if (this.#off && !logged) return;
    const tierValue = tier === undefined ? NO_TIER : this.#tiers.has(tier) ? tier : OTHER_TIER;
    const now = this.#now();
    if (this.#off) {
      // Metrics off: the same log fields without the EMF part.
      this.#write(
        `{"service":${this.#service},"outcome":"${outcome}","reason":"${reason}","tier":${JSON.stringify(tierValue)}${this.#logFields(line as DecisionLine, now)}}\n`,
      );
      return;
    }
    const key = `${outcome} ${reason} ${tierValue}`;
    const template = this.#templates.get(key) ?? this.#template(key, outcome, reason, tierValue);
    this.#write(
      logged
        ? `{"_aws":{"Timestamp":${now}${template}${this.#logFields(line as DecisionLine, now)}}\n`
        : `{"_aws":{"Timestamp":${now}${template}}\n`,
    );
  }

  /** The EMF document of one decision after its timestamp, without the closing brace. */
  #template(key: string, outcome: Outcome, reason: ReasonCode, tier: string): string {
    const template =
      `,"CloudWatchMetrics":[{"Namespace":${this.#namespace},"Dimensions":[["service","outcome","reason","tier"]],` +
      `"Metrics":[{"Name":"${DECISIONS_METRIC}","Unit":"Count"}]}]},` +
      `"service":${this.#service},"outcome":"${outcome}","reason":"${reason}","tier":${JSON.stringify(tier)},"${DECISIONS_METRIC}":1`;
    if (this.#templates.size < MAX_TEMPLATES) this.#templates.set(key, template);
    return template;
  }

  /** `,"level":…,"message":…,"timestamp":…`, the logger's keys and the line's fields, inside a JSON object. */
  #logFields(line: DecisionLine, now: number): string {
    let fields = `,"level":"${line.level}","message":${JSON.stringify(line.message)},"timestamp":"${new Date(now).toISOString()}"`;
    if (this.#logger !== undefined) fields += this.#logger.keysJson;
    if (line.fields !== undefined) {
      let json: string;
      try {
        json = JSON.stringify(line.fields);
      } catch {
        // A decision is counted and logged even when a field cannot be serialized (a bug feeding a cycle).
        json = '{"logError":"fields could not be serialized"}';
      }
      if (json.length > 2) fields += `,${json.slice(1, -1)}`;
    }
    return fields;
  }
}

/**
 * A `DecisionMetrics` stand-in that counts nothing but still logs each decision line through `logger`, for
 * handlers given no metrics: the log line must not depend on whether anything is counted.
 */
export function loggedDecisions(
  logger: Pick<HandlerLogger, 'debug' | 'info' | 'warn' | 'error'>,
): Pick<DecisionMetrics, 'record'> {
  return {
    record(outcome, reason, tier, line) {
      if (line === undefined) return;
      const attributes = { outcome, reason, ...(tier === undefined ? {} : { tier }), ...line.fields };
      const method =
        line.level === 'DEBUG' ? 'debug' : line.level === 'INFO' ? 'info' : line.level === 'WARN' ? 'warn' : 'error';
      logger[method](line.message, attributes);
    },
  };
}
