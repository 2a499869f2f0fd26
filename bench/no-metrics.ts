/**
 * Stands in for `shared/runtime/decision-metrics.ts` in the cold-start benchmark's "−metrics" bundles, so
 * the cost of the decision metrics at cold start is measured against the same function without them.
 */
export class DecisionMetrics {
  constructor(readonly options?: unknown) {}
  /** Counts nothing. */
  record(): void {}
}

/** Logs nothing: the stand-in's decisions have no line. */
export const loggedDecisions = () => ({ record() {} });
