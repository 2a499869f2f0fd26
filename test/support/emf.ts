import { vi } from 'vitest';

/** The setting a cold start needs for its function to write metrics (vitest.config.ts turns them off). */
export const METRICS_ON = { POWERTOOLS_METRICS_DISABLED: 'false' } as const;

/** One CloudWatch embedded-metric-format document, as parsed from a line of standard output. */
export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: string }[];
    }[];
  };
  readonly [key: string]: unknown;
}

/** A counted decision: the dimensions and value of a `Decisions` EMF document. */
export interface CountedDecision {
  readonly service: unknown;
  readonly outcome: unknown;
  readonly reason: unknown;
  readonly tier: unknown;
  readonly value: unknown;
}

/**
 * Runs `act` with standard output captured (the real write is suppressed) and returns every line that parses
 * as an EMF document. Lines that are not JSON, or JSON without `_aws`, are log lines and are left out.
 */
export async function captureEmf(act: () => Promise<unknown>): Promise<EmfDocument[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n'));
    return true;
  });
  try {
    await act().catch(() => undefined);
  } finally {
    spy.mockRestore();
  }
  const documents: EmfDocument[] = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if ('_aws' in parsed) documents.push(parsed as EmfDocument);
  }
  return documents;
}

/** The decisions counted in `documents`, as plain objects for `toEqual`. */
export function countedDecisions(documents: readonly EmfDocument[]): CountedDecision[] {
  return documents.map((document) => ({
    service: document.service,
    outcome: document.outcome,
    reason: document.reason,
    tier: document.tier,
    value: document.Decisions,
  }));
}

// CloudWatch limits an EMF directive to 100 metrics and a dimension set to 30 dimensions (docs/observability.md
// "Metrics" cites the specification).
const MAX_METRICS = 100;
const MAX_DIMENSIONS = 30;
const NAMESPACE = /^[0-9A-Za-z._\-/#: ]{1,255}$/;

/**
 * What makes `line` not a valid EMF document by the rules of the embedded metric format specification: one JSON
 * object on one line; `_aws.Timestamp` a number of milliseconds; `_aws.CloudWatchMetrics` directives each with
 * a valid `Namespace`, `Dimensions` (arrays of at most 30 names) and `Metrics` (at most 100, each with a
 * `Name`); every dimension a top-level string member and every metric a top-level number. Empty when valid.
 */
export function emfViolations(line: string): string[] {
  const problems: string[] = [];
  if (!line.endsWith('}\n') || line.indexOf('\n') !== line.length - 1) problems.push('not one line');
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return [...problems, 'not JSON'];
  }
  const aws = document._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (typeof aws !== 'object' || aws === null) return [...problems, 'no _aws object'];
  if (typeof aws.Timestamp !== 'number' || !Number.isInteger(aws.Timestamp) || aws.Timestamp <= 0) {
    problems.push('_aws.Timestamp is not epoch milliseconds');
  }
  if (!Array.isArray(aws.CloudWatchMetrics) || aws.CloudWatchMetrics.length === 0) {
    return [...problems, '_aws.CloudWatchMetrics is not a non-empty array'];
  }
  for (const directive of aws.CloudWatchMetrics as Record<string, unknown>[]) {
    if (typeof directive.Namespace !== 'string' || !NAMESPACE.test(directive.Namespace)) problems.push('bad Namespace');
    const dimensions = directive.Dimensions;
    if (!Array.isArray(dimensions)) problems.push('Dimensions is not an array');
    for (const set of (Array.isArray(dimensions) ? dimensions : []) as unknown[]) {
      if (!Array.isArray(set) || set.length > MAX_DIMENSIONS) problems.push('a dimension set is not 0-30 names');
      for (const name of Array.isArray(set) ? set : []) {
        if (typeof document[name] !== 'string') problems.push(`dimension ${String(name)} is not a top-level string`);
      }
    }
    const metrics = directive.Metrics;
    if (!Array.isArray(metrics) || metrics.length === 0 || metrics.length > MAX_METRICS) {
      problems.push('Metrics is not 1-100 definitions');
    }
    for (const metric of (Array.isArray(metrics) ? metrics : []) as { Name?: unknown }[]) {
      if (typeof metric.Name !== 'string' || metric.Name === '') problems.push('a metric has no Name');
      else if (typeof document[metric.Name] !== 'number')
        problems.push(`metric ${metric.Name} is not a top-level number`);
    }
  }
  return problems;
}
