import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DecisionMetrics, NO_TIER, OTHER_TIER } from '../../shared/runtime/decision-metrics';
import { OUTCOMES, REASON_CODES, type ReasonCode } from '../../shared/runtime/reason-codes';
import { captureEmf, type EmfDocument } from '../support/emf';

const NOW = 1_767_225_600_000;
const TIERS = ['free', 'standard', 'enterprise'];

/** A DecisionMetrics writing into `lines`, parsed back as EMF documents. */
function collecting(options: { service?: string; namespace?: string } = {}) {
  const service = options.service ?? 'test-function';
  const lines: string[] = [];
  const metrics = new DecisionMetrics({
    tiers: TIERS,
    write: (line) => lines.push(line),
    now: () => NOW,
    ...options,
    service,
  });
  const documents = () => lines.map((line) => JSON.parse(line) as EmfDocument);
  return { metrics, lines, documents };
}

beforeEach(() => {
  // vitest.config.ts turns metrics off for every other test.
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('DecisionMetrics', () => {
  it('writes one EMF line per decision with the service, outcome, reason and tier as dimensions', () => {
    // Prepare
    const { metrics, lines, documents } = collecting({ service: 'pre-token-generation', namespace: 'Tenancy' });

    // Act
    metrics.record('issued', 'tenant-member', 'standard');

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(documents()).toEqual([
      {
        _aws: {
          Timestamp: NOW,
          CloudWatchMetrics: [
            {
              Namespace: 'Tenancy',
              Dimensions: [['service', 'outcome', 'reason', 'tier']],
              Metrics: [{ Name: 'Decisions', Unit: 'Count' }],
            },
          ],
        },
        service: 'pre-token-generation',
        outcome: 'issued',
        reason: 'tenant-member',
        tier: 'standard',
        Decisions: 1,
      },
    ]);
  });

  it('writes exactly what Powertools publishStoredMetrics writes for the same decision, but for the timestamp', async () => {
    // Prepare
    const { metrics, documents } = collecting({ service: 'authorizer', namespace: 'Tenancy' });
    const powertools = new Metrics({ namespace: 'Tenancy', serviceName: 'authorizer' });

    // Act
    metrics.record('denied', 'tenant-mismatch', 'free');
    const [published] = await captureEmf(async () => {
      powertools.addDimension('outcome', 'denied');
      powertools.addDimension('reason', 'tenant-mismatch');
      powertools.addDimension('tier', 'free');
      powertools.addMetric('Decisions', MetricUnit.Count, 1);
      powertools.publishStoredMetrics();
    });

    // Assess
    expect(published).toBeDefined();
    expect(documents()[0]).toEqual({ ...published, _aws: { ...published?._aws, Timestamp: NOW } });
  });

  it('counts a tier that is not configured as "other" and a decision without a tenant as "none"', () => {
    // Prepare
    const { metrics, documents } = collecting();

    // Act
    metrics.record('allowed', 'permitted', 'tenant-chosen-tier-1234');
    metrics.record('refused', 'no-binding');

    // Assess
    expect(documents().map((document) => document.tier)).toEqual([OTHER_TIER, NO_TIER]);
  });

  it('stamps every line with the current time, also when the document is reused', () => {
    // Prepare
    let now = NOW;
    const lines: string[] = [];
    const metrics = new DecisionMetrics({
      service: 'f',
      tiers: TIERS,
      write: (line) => lines.push(line),
      now: () => now,
    });

    // Act
    metrics.record('issued', 'tenant-member', 'free');
    now += 1_000;
    metrics.record('issued', 'tenant-member', 'free');

    // Assess
    expect(lines.map((line) => (JSON.parse(line) as EmfDocument)._aws.Timestamp)).toEqual([NOW, NOW + 1_000]);
  });

  it('writes nothing when POWERTOOLS_METRICS_DISABLED is true', () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    const { metrics, lines } = collecting();

    // Act
    metrics.record('issued', 'tenant-member', 'free');

    // Assess
    expect(lines).toEqual([]);
  });

  it('takes the namespace from POWERTOOLS_METRICS_NAMESPACE and the service from POWERTOOLS_SERVICE_NAME', () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'AcmeIdentity');
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'pre-sign-up');
    const { metrics, documents } = collecting();

    // Act
    metrics.record('admitted', 'domain-binding', 'free');

    // Assess
    const [document] = documents();
    expect(document?._aws.CloudWatchMetrics[0]?.Namespace).toBe('AcmeIdentity');
    expect(document?.service).toBe('pre-sign-up');
  });

  it('writes a valid EMF document for every outcome, reason and tier, dimensions always present', () => {
    // Prepare
    const { metrics, documents } = collecting({ service: 'any' });
    const reasons = Object.keys(REASON_CODES) as ReasonCode[];
    const tier = fc.option(fc.oneof(fc.constantFrom(...TIERS), fc.string()), { nil: undefined });

    // Act
    fc.assert(
      fc.property(fc.constantFrom(...OUTCOMES), fc.constantFrom(...reasons), tier, (outcome, reason, t) => {
        metrics.record(outcome, reason, t);
      }),
    );

    // Assess
    for (const document of documents()) {
      const [definition] = document._aws.CloudWatchMetrics;
      for (const set of definition?.Dimensions ?? []) {
        for (const name of set) expect(typeof document[name]).toBe('string');
      }
      expect([...TIERS, OTHER_TIER, NO_TIER]).toContain(document.tier);
      expect(document.Decisions).toBe(1);
    }
  });
});
