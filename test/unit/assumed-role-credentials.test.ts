import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AssumedRoleCredentials } from '../../shared/credentials/assumed-role-credentials';
import { TENANT_TAG } from '../../shared/registry/tenant-id';
import { DecisionMetrics } from '../../shared/runtime/decision-metrics';
import { CredentialsUnavailableError, InvalidInputError } from '../../shared/runtime/errors';

const ROLE = 'arn:aws:iam::123456789012:role/cognito-tenancy-prod-TenantDataAccessRole';
const DURATION = 900;
const MARGIN = 300;

const sts = mockClient(STSClient);
afterEach(() => sts.reset());

/** A credential source over a fake clock; STS answers credentials valid for DURATION from "now". */
function setup(options: { cacheSize?: number; metrics?: DecisionMetrics } = {}) {
  const clock = { now: 1_700_000_000_000 };
  let issued = 0;
  sts.on(AssumeRoleCommand).callsFake(async () => {
    issued++;
    return {
      Credentials: {
        AccessKeyId: `AKIA${issued}`,
        SecretAccessKey: `secret-${issued}`,
        SessionToken: `token-${issued}`,
        Expiration: new Date(clock.now + DURATION * 1000),
      },
    };
  });
  const source = new AssumedRoleCredentials({
    sts: new STSClient({ region: 'us-east-1' }),
    roleArn: ROLE,
    durationSeconds: DURATION,
    marginSeconds: MARGIN,
    cacheSize: options.cacheSize ?? 100,
    caller: 'cognito-tenancy-prod-documents',
    now: () => clock.now,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
  });
  const calls = () => sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input);
  return { clock, source, calls };
}

describe('AssumedRoleCredentials', () => {
  it('assumes the role once with the TenantID session tag, a tenant-first session name and the configured duration', async () => {
    // Prepare
    const { source, calls } = setup();

    // Act
    const credentials = await source.credentialsFor('acme');

    // Assess
    expect(credentials).toMatchObject({ accessKeyId: 'AKIA1', secretAccessKey: 'secret-1', sessionToken: 'token-1' });
    expect(calls()).toEqual([
      {
        RoleArn: ROLE,
        RoleSessionName: 'acme@cognito-tenancy-prod-documents',
        DurationSeconds: DURATION,
        Tags: [{ Key: TENANT_TAG, Value: 'acme' }],
      },
    ]);
    // No transitive tags and no source identity: the session cannot pass the tag on, and is shared per tenant.
    expect(calls()[0]).not.toHaveProperty('TransitiveTagKeys');
    expect(calls()[0]).not.toHaveProperty('SourceIdentity');
  });

  it('reuses cached credentials until the margin before expiry, then assumes again', async () => {
    // Prepare
    const { clock, source, calls } = setup();
    const start = clock.now;

    // Act
    const first = await source.credentialsFor('acme');
    clock.now = start + (DURATION - MARGIN) * 1000 - 1;
    const stillCached = await source.credentialsFor('acme');
    clock.now = start + (DURATION - MARGIN) * 1000;
    const renewed = await source.credentialsFor('acme');

    // Assess
    expect(stillCached).toBe(first);
    expect(renewed.accessKeyId).toBe('AKIA2');
    expect(calls()).toHaveLength(2);
  });

  it('never hands out expired credentials, even with no margin left to spare', async () => {
    // Prepare
    const { clock, source } = setup();
    await source.credentialsFor('acme');

    // Act
    clock.now += DURATION * 1000 + 1;
    const after = await source.credentialsFor('acme');

    // Assess
    expect(after.expiration?.getTime()).toBeGreaterThan(clock.now);
  });

  it('keeps one cache entry per tenant: another tenant gets its own session', async () => {
    // Prepare
    const { source, calls } = setup();

    // Act
    const acme = await source.credentialsFor('acme');
    const globex = await source.credentialsFor('globex');
    const acmeAgain = await source.credentialsFor('acme');

    // Assess
    expect(acme).not.toBe(globex);
    expect(acmeAgain).toBe(acme);
    expect(calls().map((input) => input.Tags)).toEqual([
      [{ Key: 'TenantID', Value: 'acme' }],
      [{ Key: 'TenantID', Value: 'globex' }],
    ]);
  });

  it('shares one in-flight AssumeRole among concurrent callers of a tenant (single flight)', async () => {
    // Prepare
    const { source, calls } = setup();

    // Act
    const results = await Promise.all(Array.from({ length: 25 }, () => source.credentialsFor('acme')));

    // Assess
    expect(calls()).toHaveLength(1);
    expect(new Set(results).size).toBe(1);
  });

  it("never hands one tenant another tenant's credentials or failure when their AssumeRole calls overlap", async () => {
    // Prepare: STS answers each call only when the test says so, in an order unlike the calls' order.
    const { source } = setup();
    const pending = new Map<string, { answer: () => void; fail: () => void }>();
    sts.on(AssumeRoleCommand).callsFake(
      (input: { Tags?: { Value?: string }[] }) =>
        new Promise((resolve, reject) => {
          const tenant = input.Tags?.[0]?.Value ?? '';
          pending.set(tenant, {
            answer: () =>
              resolve({
                Credentials: {
                  AccessKeyId: `AKIA-${tenant}`,
                  SecretAccessKey: `secret-${tenant}`,
                  SessionToken: `token-${tenant}`,
                  Expiration: new Date(Date.UTC(2030, 0, 1)),
                },
              }),
            fail: () => reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException' })),
          });
        }),
    );
    const asked = ['acme', 'globex', 'initech', 'acme', 'globex', 'initech'].map((tenant) =>
      source.credentialsFor(tenant).then(
        (credentials) => ({ tenant, got: credentials.accessKeyId }),
        (error: unknown) => ({ tenant, got: error instanceof CredentialsUnavailableError ? error.tenantId : error }),
      ),
    );
    await vi.waitFor(() => expect(pending.size).toBe(3));

    // Act
    pending.get('globex')?.answer();
    pending.get('initech')?.fail();
    pending.get('acme')?.answer();
    const results = await Promise.all(asked);

    // Assess
    expect(results).toEqual([
      { tenant: 'acme', got: 'AKIA-acme' },
      { tenant: 'globex', got: 'AKIA-globex' },
      { tenant: 'initech', got: 'initech' },
      { tenant: 'acme', got: 'AKIA-acme' },
      { tenant: 'globex', got: 'AKIA-globex' },
      { tenant: 'initech', got: 'initech' },
    ]);
    expect((await source.credentialsFor('globex')).accessKeyId).toBe('AKIA-globex');
  });

  it('bounds the cache, dropping the least recently used tenant first', async () => {
    // Prepare
    const { source, calls } = setup({ cacheSize: 2 });
    await source.credentialsFor('acme');
    await source.credentialsFor('globex');
    await source.credentialsFor('acme'); // acme is now the most recently used

    // Act
    await source.credentialsFor('initech'); // drops globex
    await source.credentialsFor('acme');
    await source.credentialsFor('globex');

    // Assess
    expect(source.size).toBe(2);
    expect(calls().map((input) => input.Tags?.[0]?.Value)).toEqual(['acme', 'globex', 'initech', 'globex']);
  });

  it('fails closed with CredentialsUnavailableError when STS refuses, and asks STS again on the next call', async () => {
    // Prepare
    const { source, calls } = setup();
    sts.on(AssumeRoleCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));

    // Act
    const failure = await Promise.all([source.credentialsFor('acme'), source.credentialsFor('acme')]).catch(
      (error: unknown) => error,
    );
    const retried = await source.credentialsFor('acme').catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(CredentialsUnavailableError);
    expect(failure).toMatchObject({
      tenantId: 'acme',
      userMessage: 'The service is temporarily unavailable. Please try again.',
      cause: { name: 'ThrottlingException' },
    });
    expect(calls()).toHaveLength(2);
    expect(retried).toBeInstanceOf(CredentialsUnavailableError);
    expect(source.size).toBe(0);
  });

  it('counts credentials issued by STS (not cache hits) and STS failures as Decisions metrics', async () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const lines: string[] = [];
    const metrics = new DecisionMetrics({ service: 'documents', tiers: [], write: (line) => lines.push(line) });
    vi.unstubAllEnvs();
    const { source } = setup({ metrics });

    // Act
    await source.credentialsFor('acme');
    await source.credentialsFor('acme');
    await source.credentialsFor('globex');
    sts.on(AssumeRoleCommand).rejectsOnce(new Error('throttled'));
    await source.credentialsFor('initech').catch(() => undefined);

    // Assess
    const counted = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(counted.map(({ service, outcome, reason, Decisions }) => ({ service, outcome, reason, Decisions }))).toEqual(
      [
        { service: 'documents', outcome: 'issued', reason: 'tenant-credentials', Decisions: 1 },
        { service: 'documents', outcome: 'issued', reason: 'tenant-credentials', Decisions: 1 },
        { service: 'documents', outcome: 'failed', reason: 'credentials-unavailable', Decisions: 1 },
      ],
    );
  });

  it('fails closed when STS answers without complete credentials', async () => {
    // Prepare
    const { source } = setup();
    sts.on(AssumeRoleCommand).resolves({ Credentials: undefined });

    // Act
    const failure = await source.credentialsFor('acme').catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(CredentialsUnavailableError);
    expect(source.size).toBe(0);
  });

  it('never sends a malformed tenant id to STS as a tag value', async () => {
    // Prepare
    const { source, calls } = setup();
    const arbitrary = fc.oneof(
      fc.string(),
      fc.constantFrom('*', 'acme/*', 'acme/../globex', 'Acme', '', 'a', 'acme ', `${'a'.repeat(64)}`, '-acme'),
    );

    // Act / Assess
    await fc.assert(
      fc.asyncProperty(arbitrary, async (value) => {
        fc.pre(!/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/.test(value));
        await expect(source.credentialsFor(value)).rejects.toBeInstanceOf(InvalidInputError);
      }),
    );
    expect(calls()).toEqual([]);
  });

  it('calls STS at most once per tenant per (duration - margin) over 10,000 requests across 50 tenants', async () => {
    // Prepare: requests spread evenly over 1 hour of fake time, tenants chosen by a fixed pseudo-random walk.
    const { clock, source, calls } = setup({ cacheSize: 50 });
    const tenants = Array.from({ length: 50 }, (_, i) => `tenant-${String(i).padStart(2, '0')}`);
    const start = clock.now;
    const hourMs = 3_600_000;
    let seed = 7;

    // Act
    for (let request = 0; request < 10_000; request++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      clock.now = start + Math.floor((request * hourMs) / 10_000);
      await source.credentialsFor(tenants[Math.floor(seed / 65_536) % 50] ?? 'tenant-00');
    }

    // Assess: each tenant's sessions are (duration - margin) apart, so one hour allows ceil(3600 / 600) = 6.
    const perTenant = new Map<string, number>();
    for (const input of calls()) {
      const tenant = input.Tags?.[0]?.Value ?? '';
      perTenant.set(tenant, (perTenant.get(tenant) ?? 0) + 1);
    }
    expect(perTenant.size).toBe(50);
    for (const count of perTenant.values()) expect(count).toBeLessThanOrEqual(Math.ceil(3600 / (DURATION - MARGIN)));
    expect(calls().length).toBeLessThanOrEqual(50 * 6);
  });
});
