import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Outcome, ReasonCode } from './reason-codes';

/** The one metric every function emits: a count of decisions (docs/observability.md "Metrics"). */
const DECISIONS_METRIC = 'Decisions';
/** The namespace when `POWERTOOLS_METRICS_NAMESPACE` is unset. */
const DEFAULT_METRICS_NAMESPACE = 'CognitoTenancy';
/** The `tier` dimension of a decision made before any tenant was known. */
export const NO_TIER = 'none';
/** The `tier` dimension of a tier that is not configured (a token from elsewhere): never an arbitrary value. */
export const OTHER_TIER = 'other';

// Every reachable combination is a handful of outcomes × reasons × configured tiers; the bound only guards
// against a bug feeding it unbounded values.
const MAX_TEMPLATES = 512;

/** Powertools Logger's level thresholds (`LogLevelThreshold`) of the levels a decision line is written at. */
export const LOG_LEVEL_THRESHOLDS = { DEBUG: 8, INFO: 12 } as const;

/** The log half of a decision line: written when its level is at or above the logger's level. */
export interface DecisionLine {
  readonly level: keyof typeof LOG_LEVEL_THRESHOLDS;
  readonly message: string;
  /**
   * Further log fields (tenantId, sub, resource…). Never `outcome`, `reason` or `tier`: the line carries those
   * once, as the metric's dimensions (an unconfigured tier is logged as `other`, like it is counted).
   */
  readonly fields?: Readonly<Record<string, unknown>> | undefined;
}

/** Powertools Metrics with its `isDisabled()` readable from outside. */
class EmfMetrics extends Metrics {
  get off(): boolean {
    return this.isDisabled();
  }
}

/** Options of `DecisionMetrics`; the defaults are what the Lambda functions use. */
export interface DecisionMetricsOptions {
  /** The `service` dimension: the function. `POWERTOOLS_SERVICE_NAME` (set per function) takes precedence. */
  readonly service: string;
  /** Default `POWERTOOLS_METRICS_NAMESPACE`, else `CognitoTenancy`. */
  readonly namespace?: string | undefined;
  /** The configured tier names; any other tier is counted as `other`. */
  readonly tiers: Iterable<string>;
  /** Where an EMF line goes. Default: standard output, as Powertools writes it. */
  readonly write?: ((line: string) => void) | undefined;
  /** Clock in milliseconds for the EMF timestamp. */
  readonly now?: (() => number) | undefined;
  /**
   * The logger's level threshold (Powertools `logger.level`, read once at cold start): a `DecisionLine` below
   * it is not built. Default: INFO. Read once because Powertools resolves its level per access (an
   * invocation-store lookup and environment reads), which the warm paths cannot afford per decision.
   */
  readonly logLevel?: number | undefined;
}

/**
 * Counts decisions as CloudWatch embedded-metric-format (EMF) lines, with Powertools Metrics: metric
 * `Decisions` (Count) with dimensions `service` (the function), `outcome`, `reason` (a code of
 * `REASON_CODES`) and `tier`, one dimension set (every extra set is billed as more custom metrics; totals
 * per outcome are a metric-math SUM over the reasons). Dimensions are low-cardinality by construction: typed outcomes and reason codes, configured tiers only, never a tenant id
 * or a user.
 *
 * Why not `publishStoredMetrics()` per decision: it costs about 9 µs here (dimension bookkeeping, spreads,
 * `Console.log`), which would nearly double the warm pre token generation path. Powertools builds each
 * combination's EMF document once per container (`serializeMetrics`, with its validation); each decision
 * then writes that document with a fresh timestamp, one `write` per line, as Powertools would.
 * `POWERTOOLS_METRICS_DISABLED=true` (and `POWERTOOLS_DEV` without it) turns the metric off, as in Powertools.
 *
 * One line per decision: a decision's log line (`DecisionLine`) is the same JSON line as its metric, EMF
 * allowing other fields beside the metrics: `level`, `message`, `timestamp` (ISO, as Powertools Logger writes
 * it) and the line's fields are appended to the EMF document, and written with one `write`. With metrics off
 * the line is a plain log line with the same fields; below the log level only the metric is written, and no
 * log field is serialized. Counts stay exact: every decision is written when it is made, never batched.
 */
export class DecisionMetrics {
  readonly #metrics: EmfMetrics;
  readonly #tiers: ReadonlySet<string>;
  readonly #templates = new Map<string, readonly [string, string]>();
  readonly #write: (line: string) => void;
  readonly #now: () => number;
  readonly #off: boolean;
  readonly #logLevel: number;
  readonly #service: string;

  constructor(options: DecisionMetricsOptions) {
    this.#metrics = new EmfMetrics({
      namespace: options.namespace ?? (process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE),
      serviceName: process.env.POWERTOOLS_SERVICE_NAME || options.service,
    });
    this.#service = JSON.stringify(process.env.POWERTOOLS_SERVICE_NAME || options.service);
    this.#logLevel = options.logLevel ?? LOG_LEVEL_THRESHOLDS.INFO;
    this.#tiers = new Set(options.tiers);
    this.#write = options.write ?? ((line) => process.stdout.write(line));
    this.#now = options.now ?? Date.now;
    this.#off = this.#metrics.off;
  }

  /**
   * Counts one decision and, when `line` is given and its level is on, logs it in the same line. `tier` is the
   * tenant's tier when known. Never throws.
   */
  record(outcome: Outcome, reason: ReasonCode, tier?: string, line?: DecisionLine): void {
    const logged = line !== undefined && LOG_LEVEL_THRESHOLDS[line.level] >= this.#logLevel;
    if (this.#off && !logged) return;
    const tierValue = tier === undefined ? NO_TIER : this.#tiers.has(tier) ? tier : OTHER_TIER;
    const now = this.#now();
    if (this.#off) {
      // Metrics off: the same log fields without the EMF part.
      this.#write(
        `{"service":${this.#service},"outcome":"${outcome}","reason":"${reason}","tier":${JSON.stringify(tierValue)}${logFields(line as DecisionLine, now)}}\n`,
      );
      return;
    }
    const key = `${outcome} ${reason} ${tierValue}`;
    let template = this.#templates.get(key);
    if (template === undefined) {
      try {
        template = this.#template(key, outcome, reason, tierValue);
      } catch {
        // Powertools refused the document (it cannot with typed dimensions); a metric never fails a decision.
        return;
      }
    }
    this.#write(
      logged
        ? `${template[0]}${now}${template[1]}${logFields(line as DecisionLine, now)}}\n`
        : `${template[0]}${now}${template[1]}}\n`,
    );
  }

  /** The EMF document of one decision, split around its timestamp. */
  #template(key: string, outcome: Outcome, reason: ReasonCode, tier: string): readonly [string, string] {
    const metrics = this.#metrics;
    metrics.addDimension('outcome', outcome);
    metrics.addDimension('reason', reason);
    metrics.addDimension('tier', tier);
    metrics.addMetric(DECISIONS_METRIC, MetricUnit.Count, 1);
    let json: string;
    try {
      json = JSON.stringify(metrics.serializeMetrics());
    } finally {
      metrics.clearMetrics();
      metrics.clearDimensions();
    }
    // `_aws.Timestamp` is the document's first value: {"_aws":{"Timestamp":<ms>,"CloudWatchMetrics":…
    const start = json.indexOf('"Timestamp":') + '"Timestamp":'.length;
    const end = json.indexOf(',', start);
    // …and `}` its last character: the log fields, when any, go before it.
    const template = [json.slice(0, start), json.slice(end, -1)] as const;
    if (this.#templates.size < MAX_TEMPLATES) this.#templates.set(key, template);
    return template;
  }
}

/** `,"level":…,"message":…,"timestamp":…` and the line's fields, to append inside a JSON object. */
function logFields(line: DecisionLine, now: number): string {
  let fields = `,"level":"${line.level}","message":${JSON.stringify(line.message)},"timestamp":"${new Date(now).toISOString()}"`;
  if (line.fields !== undefined) {
    const json = JSON.stringify(line.fields);
    if (json.length > 2) fields += `,${json.slice(1, -1)}`;
  }
  return fields;
}

/** A `DecisionMetrics` stand-in that counts nothing, for code paths and tests that do not measure. */
export const NO_METRICS: Pick<DecisionMetrics, 'record'> = { record() {} };

/**
 * A `DecisionMetrics` stand-in that counts nothing but still logs each decision line through `logger`, for
 * handlers given no metrics: the log line must not depend on whether anything is counted.
 */
export function loggedDecisions(logger: Pick<Logger, 'debug' | 'info'>): Pick<DecisionMetrics, 'record'> {
  return {
    record(outcome, reason, tier, line) {
      if (line === undefined) return;
      const attributes = { outcome, reason, ...(tier === undefined ? {} : { tier }), ...line.fields };
      if (line.level === 'DEBUG') logger.debug(line.message, attributes);
      else logger.info(line.message, attributes);
    },
  };
}
