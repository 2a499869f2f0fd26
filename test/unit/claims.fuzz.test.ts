import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TenancyError } from '../../shared/runtime/errors';
import { parseIdpGroups } from '../../shared/tokens/idp-groups';
import { createPreTokenGenerationHandler } from '../../shared/tokens/pre-token-generation';
import { isReservedClaim } from '../../shared/tokens/reserved-claims';
import { loadEvent } from '../support/events';
import { groupsOf, type TestEvent, testDeps, tokensOf as tokens } from './pre-token-fixtures';

type Event = TestEvent;
const DIR = 'pre-token-generation';
const USER_EVENTS = [
  'v1-authentication.json',
  'v1-refresh-tokens.json',
  'v2-authentication.json',
  'v2-hosted-auth-federated.json',
  'v0-emulator-authentication.json',
];
const ALL_EVENTS = [...USER_EVENTS, 'v3-client-credentials.json', 'refuse-suspended-tenant.json'];

// Attribute names as they occur (standard, custom:, dev:custom:, reserved, tenant-looking) plus arbitrary ones.
const attributeName = fc.oneof(
  fc.constantFrom('tenantId', 'tier', 'custom:tier', 'custom:tenant', 'custom:TenantID', 'dev:custom:tenantId'),
  fc.constantFrom('cognito:groups', 'cognito:username', 'aud', 'iss', 'exp', 'identities', 'custom:idpGroups'),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'),
  fc.string({ minLength: 1, maxLength: 24 }).map((name) => `custom:${name}`),
  fc.string({ minLength: 1, maxLength: 24 }),
);
const extraAttributes = fc
  .dictionary(attributeName, fc.string({ maxLength: 64 }), { maxKeys: 12 })
  .map((attributes) => {
    // Changing who the user is (sub) or their binding (custom:tenantId) is not tampering but another user.
    const { sub: _sub, 'custom:tenantId': _tenantId, ...rest } = attributes;
    return rest;
  });

describe('pre token generation under arbitrary input', () => {
  it('never lets extra user attributes change the tenant claims or touch a reserved claim', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...USER_EVENTS), extraAttributes, async (file, extra) => {
        // Prepare
        const handler = createPreTokenGenerationHandler(testDeps());
        const baseline = tokens((await handler(loadEvent(`${DIR}/${file}`))).response);
        const event = loadEvent<Event>(`${DIR}/${file}`);
        for (const [name, value] of Object.entries(extra)) {
          Object.defineProperty(event.request.userAttributes, name, { value, enumerable: true, writable: true });
        }

        // Act
        const result = tokens((await handler(event)).response);

        // Assess
        expect(result.map((token) => token.overrides)).toEqual(baseline.map((token) => token.overrides));
        for (const { overrides, suppress } of result) {
          expect(Object.keys(overrides)).toEqual(['tenantId', 'tier', 'tenancy:v']);
          for (const name of suppress) {
            expect(isReservedClaim(name)).toBe(false);
            expect(Object.keys(overrides)).not.toContain(name);
            expect(name).not.toBe('custom:tenantId');
          }
        }
      }),
    );
  });

  it('never lets clientMetadata change anything but an honoured per-session tenant', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...USER_EVENTS, 'v3-client-credentials.json'),
        fc.dictionary(fc.oneof(attributeName, fc.string()), fc.string({ maxLength: 64 }), { maxKeys: 8 }),
        fc.option(fc.oneof(fc.constantFrom('acme', 'globex', 'initech', 'vandelay', 'umbrella'), fc.string()), {
          nil: undefined,
        }),
        async (file, metadata, tenantId) => {
          // Prepare
          const deps = testDeps();
          const handler = createPreTokenGenerationHandler(deps);
          const baseline = (await handler(loadEvent(`${DIR}/${file}`))).response;
          const event = loadEvent<Event>(`${DIR}/${file}`);
          const { tenantId: _ignored, ...rest } = metadata;
          event.request.clientMetadata = tenantId === undefined ? rest : { ...rest, tenantId };
          const sub = event.request.userAttributes?.sub;

          // Act
          const outcome = await handler(event).then(
            (result) => result.response,
            (error: unknown) => error,
          );

          // Assess
          if (tenantId === undefined || file === 'v3-client-credentials.json') {
            expect(outcome).toEqual(baseline);
            return;
          }
          if (outcome instanceof TenancyError) return;
          // Issued: for the tenant asked for, an active tenant where the user holds an active membership, with
          // no role above that membership's (or a role the tenant maps from the IdP for an IdP membership).
          const issued = tokens(outcome as never)[0]?.overrides.tenantId;
          expect(issued).toBe(tenantId);
          const membership = deps.registry.memberships.get(`${tenantId}/${String(sub)}`);
          expect(membership?.status).toBe('active');
          expect(deps.registry.tenants.get(tenantId)?.status).toBe('active');
          const mapped =
            membership?.source === 'idp' ? Object.values(deps.registry.tenants.get(tenantId)?.roleMappings ?? {}) : [];
          for (const group of groupsOf(outcome as never) ?? []) {
            expect(group === membership?.role || mapped.includes(group)).toBe(true);
          }
        },
      ),
    );
  });

  it('answers a malformed event with a TenancyError and nothing else', async () => {
    // Prepare: a valid event with one field anywhere replaced by an arbitrary value, or no event at all.
    const paths = [
      [],
      ['version'],
      ['triggerSource'],
      ['userPoolId'],
      ['callerContext'],
      ['callerContext', 'clientId'],
      ['request'],
      ['request', 'userAttributes'],
      ['request', 'userAttributes', 'sub'],
      ['request', 'userAttributes', 'custom:tenantId'],
      ['request', 'userAttributes', 'custom:idpGroups'],
      ['request', 'userAttributes', 'identities'],
      ['request', 'groupConfiguration'],
      ['request', 'groupConfiguration', 'groupsToOverride'],
      ['request', 'clientMetadata'],
      ['response'],
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL_EVENTS),
        fc.constantFrom(...paths),
        fc.anything({ withNullPrototype: true, withObjectString: true }),
        async (file, path, value) => {
          const event: Event = loadEvent<Event>(`${DIR}/${file}`);
          let input: unknown = value;
          if (path.length > 0) {
            let target = event as Record<string, unknown>;
            for (const key of path.slice(0, -1)) {
              if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
              target = target[key] as Record<string, unknown>;
            }
            target[path[path.length - 1] as string] = value;
            input = event;
          }
          const handler = createPreTokenGenerationHandler(testDeps());

          // Act
          const outcome = await handler(input).then(
            () => 'issued',
            (error: unknown) => error,
          );

          // Assess
          if (outcome !== 'issued') {
            expect(outcome).toBeInstanceOf(TenancyError);
            expect((outcome as TenancyError).cause).toBeInstanceOf(TenancyError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads any IdP-groups value without throwing, into at most a bounded list of non-empty names', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.array(fc.string()).map((list) => `[${list.join(', ')}]`),
        ),
        (value) => {
          // Act
          const groups = parseIdpGroups(value);

          // Assess
          expect(groups.length).toBeLessThanOrEqual(100);
          for (const group of groups) expect(group).not.toBe('');
        },
      ),
    );
  });
});
