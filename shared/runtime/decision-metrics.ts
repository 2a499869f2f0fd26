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
 * `POWERTOOLS_METRICS_DISABLED=true` (and `POWERTOOLS_DEV` without it) turns the output off, as in Powertools.
 */
export class DecisionMetrics {
  readonly #metrics: EmfMetrics;
  readonly #tiers: ReadonlySet<string>;
  readonly #templates = new Map<string, readonly [string, string]>();
  readonly #write: (line: string) => void;
  readonly #now: () => number;
  readonly #off: boolean;

  constructor(options: DecisionMetricsOptions) {
    this.#metrics = new EmfMetrics({
      namespace: options.namespace ?? (process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE),
      serviceName: process.env.POWERTOOLS_SERVICE_NAME || options.service,
    });
    this.#tiers = new Set(options.tiers);
    this.#write = options.write ?? ((line) => process.stdout.write(line));
    this.#now = options.now ?? Date.now;
    this.#off = this.#metrics.off;
  }

  /** Counts one decision. `tier` is the tenant's tier when known. Never throws. */
  record(outcome: Outcome, reason: ReasonCode, tier?: string): void {
    if (this.#off) return;
    const tierValue = tier === undefined ? NO_TIER : this.#tiers.has(tier) ? tier : OTHER_TIER;
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
    this.#write(template[0] + this.#now() + template[1]);
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
    const template = [json.slice(0, start), `${json.slice(end)}\n`] as const;
    if (this.#templates.size < MAX_TEMPLATES) this.#templates.set(key, template);
    return template;
  }
}

/** A `DecisionMetrics` stand-in that counts nothing, for code paths and tests that do not measure. */
export const NO_METRICS: Pick<DecisionMetrics, 'record'> = { record() {} };
