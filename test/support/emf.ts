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
