import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TenantContextError, tenantContext } from '../src/index.js';
import { contextOf, EVENT_FIXTURES, type FixtureEvent, loadEvent } from './support/fixtures.js';

const ACME_ADMIN = {
  tenantId: 'acme',
  tier: 'standard',
  groups: ['tenant-admin', 'tenant-member'],
  sub: 'b1f0a7c2-0000-4000-8000-000000000001',
  claimsVersion: 1,
};

function refusal(run: () => unknown): TenantContextError {
  try {
    run();
  } catch (error) {
    if (error instanceof TenantContextError) return error;
    throw error;
  }
  throw new Error('expected a TenantContextError');
}

describe('tenantContext', () => {
  it.each(EVENT_FIXTURES)('reads the verified caller from the authorizer context of %s', (name) => {
    // Prepare
    const event = loadEvent(name);

    // Act
    const context = tenantContext(event);

    // Assess
    expect(context).toEqual(ACME_ADMIN);
  });

  it.each(EVENT_FIXTURES)('gives a caller without role groups an empty list (%s)', (name) => {
    // Prepare
    const event = loadEvent(name);
    contextOf(event).groups = '';

    // Act
    const context = tenantContext(event);

    // Assess
    expect(context.groups).toEqual([]);
  });

  it('never takes the tenant from the path, a header or the body', () => {
    // Prepare: everything but the authorizer context names another tenant.
    const event = loadEvent('http-v2.json');
    event.pathParameters.tenantId = 'globex';
    event.headers['x-tenant-id'] = 'globex';
    event.body = JSON.stringify({ tenantId: 'globex' });

    // Act
    const context = tenantContext(event);

    // Assess
    expect(context.tenantId).toBe('acme');
  });

  it.each([
    ['rest-proxy.json', 'requestContext.authorizer'],
    ['http-v1.json', 'requestContext.authorizer.lambda'],
    ['http-v2.json', 'requestContext.authorizer.lambda'],
  ] as const)('refuses %s without an authorizer context as missing-context', (name, field) => {
    // Prepare
    const event = loadEvent(name);
    delete event.requestContext.authorizer;

    // Act
    const error = refusal(() => tenantContext(event));

    // Assess
    expect(error).toMatchObject({ reason: 'missing-context', field, name: 'TenantContextError' });
  });

  it.each([
    ['no requestContext', (event: FixtureEvent) => delete event.requestContext],
    ['a null requestContext', (event: FixtureEvent) => (event.requestContext = null)],
    ['a null authorizer', (event: FixtureEvent) => (event.requestContext.authorizer = null)],
    ['an array for a context', (event: FixtureEvent) => (event.requestContext.authorizer.lambda = ['acme'])],
    ['a string for a context', (event: FixtureEvent) => (event.requestContext.authorizer.lambda = 'acme')],
  ])('refuses an HTTP API event with %s as missing-context', (_case, tamper) => {
    // Prepare
    const event = loadEvent('http-v2.json');
    tamper(event);

    // Act
    const error = refusal(() => tenantContext(event));

    // Assess
    expect(error.reason).toBe('missing-context');
  });

  it('never reads an HTTP API context flattened into requestContext.authorizer', () => {
    // Prepare: a payload 2.0 event whose context sits where a REST API's would.
    const event = loadEvent('http-v2.json');
    event.requestContext.authorizer = event.requestContext.authorizer.lambda;

    // Act
    const error = refusal(() => tenantContext(event));

    // Assess
    expect(error).toMatchObject({ reason: 'missing-context', field: 'requestContext.authorizer.lambda' });
  });

  it('never reads a REST API context nested under lambda', () => {
    // Prepare: a REST event (no version) carrying an HTTP API's nesting.
    const event = loadEvent('rest-proxy.json');
    event.requestContext.authorizer = { lambda: contextOf(loadEvent('http-v2.json')) };

    // Act
    const error = refusal(() => tenantContext(event));

    // Assess
    expect(error).toMatchObject({ reason: 'invalid-context', field: 'claimsVersion' });
  });

  it('refuses an event of another payload version', () => {
    // Prepare
    const event = loadEvent('http-v2.json');
    event.version = '3.0';

    // Act
    const error = refusal(() => tenantContext(event));

    // Assess
    expect(error).toMatchObject({ reason: 'invalid-context', field: 'version' });
  });

  it.each([
    ['tenantId', undefined],
    ['tenantId', ''],
    ['tenantId', '*'],
    ['tenantId', 'acme*'],
    ['tenantId', 'ACME'],
    ['tenantId', 'a'],
    ['tenantId', 42],
    ['tier', undefined],
    ['tier', 'Gold'],
    ['tier', ''],
    ['sub', undefined],
    ['sub', ''],
    ['sub', 'x'.repeat(257)],
    ['groups', undefined],
    ['groups', ',tenant-admin'],
    ['groups', 'tenant-admin,,tenant-member'],
    ['groups', Array.from({ length: 101 }, (_, index) => `g${index}`).join(',')],
    ['groups', ['tenant-admin']],
    ['claimsVersion', undefined],
    ['claimsVersion', 1],
    ['claimsVersion', '01'],
    ['claimsVersion', '1.0'],
    ['claimsVersion', '0'],
  ])('refuses a context whose %s is %j as invalid-context', (field, value) => {
    for (const name of EVENT_FIXTURES) {
      // Prepare
      const event = loadEvent(name);
      const context = contextOf(event);
      if (value === undefined) delete context[field];
      else context[field] = value;

      // Act
      const error = refusal(() => tenantContext(event));

      // Assess
      expect(error).toMatchObject({ reason: 'invalid-context', field });
    }
  });

  it('keeps the refused value out of the message (it is logged)', () => {
    // Prepare
    const event = loadEvent('http-v2.json');
    contextOf(event).tenantId = 'evil*tenant<script>';

    // Act
    const error = refusal(() => tenantContext(event));

    // Assess
    expect(error.message).not.toContain('evil');
  });

  it('takes any well-formed version the authorizer let through when the caller lists none', () => {
    // Prepare: during a rename window the authorizer passes version 2 (the context keys do not change).
    const event = loadEvent('http-v2.json');
    contextOf(event).claimsVersion = '2';

    // Act
    const context = tenantContext(event);

    // Assess
    expect(context.claimsVersion).toBe(2);
  });

  it('refuses a claims version the caller does not accept, naming the accepted ones', () => {
    // Prepare
    const event = loadEvent('http-v2.json');
    contextOf(event).claimsVersion = '1';

    // Act
    const error = refusal(() => tenantContext(event, { acceptedVersions: [2, 3] }));

    // Assess
    expect(error).toMatchObject({ reason: 'unsupported-version', field: 'claimsVersion' });
    expect(error.message).toContain('accepted: 2, 3');
  });

  it('accepts the versions the caller lists', () => {
    // Prepare
    const event = loadEvent('rest-proxy.json');

    // Act
    const context = tenantContext(event, { acceptedVersions: [1] });

    // Assess
    expect(context.claimsVersion).toBe(1);
  });

  it.each([
    [[], 'at least one'],
    [[0], 'is not a claims version'],
    [[1000], 'is not a claims version'],
    [[1.5], 'is not a claims version'],
    [[1, 1], 'twice'],
  ])('rejects acceptedVersions %j as a programming error', (acceptedVersions, message) => {
    // Prepare
    const event = loadEvent('rest-proxy.json');

    // Act
    const act = () => tenantContext(event, { acceptedVersions });

    // Assess
    expect(act).toThrow(TypeError);
    expect(act).toThrow(message);
  });

  it('never crashes and never returns an ill-formed caller, whatever the context holds', () => {
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom('acme', 'standard', '1', '2', 'tenant-admin', 'a,b', ''),
      fc.integer(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
    );
    const context = fc.record(
      { tenantId: value, tier: value, groups: value, sub: value, claimsVersion: value },
      { requiredKeys: [] },
    );
    const shape = fc.constantFrom(...EVENT_FIXTURES);
    fc.assert(
      fc.property(shape, context, (name, record) => {
        const event = loadEvent(name);
        if (event.version === undefined) event.requestContext.authorizer = record;
        else event.requestContext.authorizer = { lambda: record };
        try {
          const result = tenantContext(event);
          expect(result.tenantId).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
          expect(result.tier).toMatch(/^[a-z][a-z0-9-]{0,31}$/);
          expect(result.claimsVersion).toBeGreaterThanOrEqual(1);
          expect(result.groups.every((group) => group !== '' && !group.includes(','))).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(TenantContextError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never crashes on an event of any shape', () => {
    fc.assert(
      fc.property(fc.anything(), (event) => {
        try {
          tenantContext(event as never);
        } catch (error) {
          expect(error).toBeInstanceOf(TenantContextError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
