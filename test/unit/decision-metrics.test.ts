import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DecisionMetrics, loggedDecisions, NO_TIER, OTHER_TIER } from '../../shared/runtime/decision-metrics';
import { LOG_LEVELS } from '../../shared/runtime/observability-config';
import { OUTCOMES, REASON_CODES, type ReasonCode } from '../../shared/runtime/reason-codes';
import { captureEmf, type EmfDocument, emfViolations } from '../support/emf';

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

  it('writes a decision and its log line as one EMF line, with level, message, timestamp and fields', () => {
    // Prepare
    const { metrics, lines, documents } = collecting({ service: 'authorizer', namespace: 'Tenancy' });

    // Act
    metrics.record('denied', 'group-required', 'free', {
      level: 'INFO',
      message: 'request denied',
      fields: { tenantId: 'acme', resource: 'arn:aws:execute-api:us-east-1:1:a/prod/GET/x' },
    });

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('}\n')).toBe(true);
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
        service: 'authorizer',
        outcome: 'denied',
        reason: 'group-required',
        tier: 'free',
        Decisions: 1,
        level: 'INFO',
        message: 'request denied',
        timestamp: new Date(NOW).toISOString(),
        tenantId: 'acme',
        resource: 'arn:aws:execute-api:us-east-1:1:a/prod/GET/x',
      },
    ]);
  });

  it('writes only the metric for a line below the log level, without serializing its fields', () => {
    // Prepare
    const { metrics, documents } = collecting({ service: 'authorizer' });
    const fields = {
      toJSON: vi.fn(() => ({ tenantId: 'acme' })),
    };

    // Act
    metrics.record('allowed', 'permitted', 'free', { level: 'DEBUG', message: 'request allowed', fields });

    // Assess
    expect(fields.toJSON).not.toHaveBeenCalled();
    const [document] = documents();
    expect(document).not.toHaveProperty('message');
    expect(document?.Decisions).toBe(1);
  });

  it('writes a DEBUG line beside the metric when the log level is DEBUG', () => {
    // Prepare
    const lines: string[] = [];
    const metrics = new DecisionMetrics({
      service: 'authorizer',
      tiers: TIERS,
      write: (line) => lines.push(line),
      now: () => NOW,
      logLevel: LOG_LEVELS.DEBUG,
    });

    // Act
    metrics.record('allowed', 'permitted', 'free', {
      level: 'DEBUG',
      message: 'request allowed',
      fields: { sub: 's' },
    });

    // Assess
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 'DEBUG', message: 'request allowed', sub: 's', Decisions: 1 }),
    ]);
  });

  it('writes the log line alone, without EMF, when metrics are off, and nothing below the log level', () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    const { metrics, lines } = collecting({ service: 'pre-token-generation' });

    // Act
    metrics.record('issued', 'tenant-member', 'unheard-of', {
      level: 'INFO',
      message: 'token claims issued',
      fields: { tenantId: 'acme' },
    });
    metrics.record('allowed', 'permitted', 'free', { level: 'DEBUG', message: 'request allowed' });

    // Assess
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      {
        service: 'pre-token-generation',
        outcome: 'issued',
        reason: 'tenant-member',
        tier: OTHER_TIER,
        level: 'INFO',
        message: 'token claims issued',
        timestamp: new Date(NOW).toISOString(),
        tenantId: 'acme',
      },
    ]);
  });

  it('writes one parseable line per decision for any message and fields', () => {
    // Prepare
    const { metrics, lines } = collecting({ service: 'any' });
    const reasons = Object.keys(REASON_CODES) as ReasonCode[];

    // Act
    fc.assert(
      fc.property(
        fc.constantFrom(...OUTCOMES),
        fc.constantFrom(...reasons),
        fc.string(),
        fc.dictionary(
          fc.string().filter((key) => !['outcome', 'reason', 'tier'].includes(key)),
          fc.jsonValue(),
        ),
        (outcome, reason, message, fields) => {
          metrics.record(outcome, reason, 'free', { level: 'INFO', message, fields });
          const line = lines.at(-1) ?? '';
          const parsed = JSON.parse(line) as Record<string, unknown>;
          return line.indexOf('\n') === line.length - 1 && parsed.message === message && parsed.Decisions === 1;
        },
      ),
    );

    // Assess
    expect(lines.length).toBeGreaterThan(0);
  });
});

describe('loggedDecisions', () => {
  it('logs each decision line through the logger at its level and counts nothing', () => {
    // Prepare
    const logger = { info: vi.fn(), debug: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const decisions = loggedDecisions(logger);

    // Act
    decisions.record('issued', 'tenant-member', 'free', { level: 'INFO', message: 'm', fields: { tenantId: 'a' } });
    decisions.record('allowed', 'permitted', undefined, { level: 'DEBUG', message: 'd' });
    decisions.record('unauthorized', 'internal-error');
    decisions.record('refused', 'seats-full', 'free', { level: 'WARN', message: 'w' });
    decisions.record('failed', 'registry-unavailable', undefined, { level: 'ERROR', message: 'e' });

    // Assess
    expect(logger.warn.mock.calls).toEqual([['w', { outcome: 'refused', reason: 'seats-full', tier: 'free' }]]);
    expect(logger.error.mock.calls).toEqual([['e', { outcome: 'failed', reason: 'registry-unavailable' }]]);
    expect(logger.info.mock.calls).toEqual([
      ['m', { outcome: 'issued', reason: 'tenant-member', tier: 'free', tenantId: 'a' }],
    ]);
    expect(logger.debug.mock.calls).toEqual([['d', { outcome: 'allowed', reason: 'permitted' }]]);
  });
});

describe('DecisionMetrics, EMF rules and the one line', () => {
  it('passes the EMF rules on every line: timestamp, directives, at most 30 dimensions and 100 metrics, members at the top', () => {
    // Prepare
    const { metrics, lines } = collecting({ service: 'any' });
    const reasons = Object.keys(REASON_CODES) as ReasonCode[];
    const level = fc.constantFrom('DEBUG', 'INFO', 'WARN', 'ERROR' as const);

    // Act
    fc.assert(
      fc.property(
        fc.constantFrom(...OUTCOMES),
        fc.constantFrom(...reasons),
        fc.option(fc.string(), { nil: undefined }),
        fc.option(fc.record({ level, message: fc.string() }), { nil: undefined }),
        (outcome, reason, tier, line) => {
          metrics.record(outcome, reason, tier, line);
          return emfViolations(lines.at(-1) ?? '').length === 0;
        },
      ),
    );

    // Assess
    expect(lines.length).toBeGreaterThan(0);
  });

  it('has a rule check that refuses documents CloudWatch would not extract', () => {
    // Prepare
    const valid = {
      _aws: {
        Timestamp: NOW,
        CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [['service']], Metrics: [{ Name: 'Decisions' }] }],
      },
      service: 's',
      Decisions: 1,
    };
    const line = (document: unknown) => `${JSON.stringify(document)}\n`;
    const directive = valid._aws.CloudWatchMetrics[0];
    const many = (n: number) => Array.from({ length: n }, (_, i) => `d${i}`);

    // Act
    const verdicts = {
      valid: emfViolations(line(valid)),
      noMember: emfViolations(line({ ...valid, service: undefined })),
      metricNotNumber: emfViolations(line({ ...valid, Decisions: '1' })),
      noTimestamp: emfViolations(line({ ...valid, _aws: { ...valid._aws, Timestamp: undefined } })),
      tooManyDimensions: emfViolations(
        line({
          ...Object.fromEntries(many(31).map((name) => [name, 'x'])),
          ...valid,
          _aws: { ...valid._aws, CloudWatchMetrics: [{ ...directive, Dimensions: [many(31)] }] },
        }),
      ),
      tooManyMetrics: emfViolations(
        line({
          ...Object.fromEntries(many(101).map((name) => [name, 1])),
          ...valid,
          _aws: {
            ...valid._aws,
            CloudWatchMetrics: [{ ...directive, Metrics: many(101).map((Name) => ({ Name })) }],
          },
        }),
      ),
      twoLines: emfViolations(`${JSON.stringify(valid)}\n{}\n`),
    };

    // Assess
    expect(verdicts.valid).toEqual([]);
    for (const [name, problems] of Object.entries(verdicts)) {
      if (name !== 'valid') expect(problems, name).not.toEqual([]);
    }
  });

  it("carries the logger's appended keys on the decision line, between the log fields and the line's own", () => {
    // Prepare
    const lines: string[] = [];
    const logger = { level: LOG_LEVELS.INFO, keysJson: ',"triggerSource":"TokenGeneration_Authentication","sub":"s"' };
    const metrics = new DecisionMetrics({
      service: 'pre-token-generation',
      tiers: TIERS,
      logger,
      write: (line) => lines.push(line),
      now: () => NOW,
    });

    // Act
    metrics.record('refused', 'seats-full', 'free', {
      level: 'WARN',
      message: 'token refused',
      fields: { error: 'SeatLimitError' },
    });

    // Assess
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 'WARN',
      message: 'token refused',
      triggerSource: 'TokenGeneration_Authentication',
      sub: 's',
      error: 'SeatLimitError',
      Decisions: 1,
    });
  });

  it("follows the logger's level: below it the line is the metric alone", () => {
    // Prepare
    const lines: string[] = [];
    const metrics = new DecisionMetrics({
      service: 'f',
      tiers: TIERS,
      logger: { level: LOG_LEVELS.ERROR, keysJson: ',"sub":"s"' },
      write: (line) => lines.push(line),
      now: () => NOW,
    });

    // Act
    metrics.record('refused', 'seats-full', 'free', { level: 'WARN', message: 'token refused' });
    metrics.record('failed', 'registry-unavailable', undefined, { level: 'ERROR', message: 'token refused' });

    // Assess
    const [warn, error] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(warn).not.toHaveProperty('message');
    expect(warn).not.toHaveProperty('sub');
    expect(error).toMatchObject({ level: 'ERROR', sub: 's' });
  });

  it('reads its settings from the environment once, when it is built', () => {
    // Prepare
    const env: Record<string, string> = { POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_METRICS_NAMESPACE: 'First' };
    const lines: string[] = [];
    const metrics = new DecisionMetrics({ service: 'f', tiers: TIERS, env, write: (line) => lines.push(line) });

    // Act
    env.POWERTOOLS_METRICS_DISABLED = 'true';
    env.POWERTOOLS_METRICS_NAMESPACE = 'Second';
    metrics.record('issued', 'tenant-member', 'free');

    // Assess
    expect(lines).toHaveLength(1);
    expect((JSON.parse(lines[0] ?? '') as EmfDocument)._aws.CloudWatchMetrics[0]?.Namespace).toBe('First');
  });

  it('counts and logs a decision whose fields cannot be serialized, with a note instead of the fields', () => {
    // Prepare
    const { metrics, lines } = collecting();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;

    // Act
    const record = () =>
      metrics.record('failed', 'internal-error', undefined, { level: 'ERROR', message: 'm', fields: { cycle } });

    // Assess
    expect(record).not.toThrow();
    expect(emfViolations(lines[0] ?? '')).toEqual([]);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ message: 'm', logError: expect.any(String), Decisions: 1 });
  });
});
