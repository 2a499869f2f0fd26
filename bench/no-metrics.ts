/**
 * Stands in for `shared/runtime/decision-metrics.ts` in the cold-start benchmark's "−metrics" bundles, so
 * the cost of Powertools Metrics at cold start is measured against the same function without it.
 */
export class DecisionMetrics {
  constructor(readonly options?: unknown) {}
  /** Counts nothing. */
  record(): void {}
}

/** The same no-op as the real module's. */
export const NO_METRICS = { record() {} };
