import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PolicyResponse, SimpleResponse } from '../../functions/authorizer';
import { policyEffect } from '../../shared/authorizer/authorization-policy';
import { isCanonicalPath, isCanonicalResource } from '../../shared/authorizer/request-path';
import { coldStart } from '../support/cold-start';
import { loadEvent } from '../support/events';
import { useJwksServer } from '../support/jwks-server';
import { ARN_PREFIX, CLIENT_ID, cognitoClaims, createSigningKey, POOL_ID, signRs256 } from '../support/jwt';
import { MOCK_TABLE, mockRegistryReads } from '../support/registry-reads';

type Handler = (event: unknown) => Promise<PolicyResponse | SimpleResponse>;
const arn = (resource: string) => `${ARN_PREFIX}${resource}`;

// Ways of writing a `..` or `.` segment, or a separator, that a backend or proxy may decode or normalise.
const DOT_DOT = [
  '..',
  '%2e%2e',
  '%2E%2E',
  '.%2e',
  '%2e.',
  '%252e%252e',
  '．．',
  '%EF%BC%8E%EF%BC%8E',
  '‥',
  '%e2%80%a5',
  '%C0%AE%C0%AE',
];
const DOT = ['.', '%2e', '%2E', '%252e', '．', '․', '﹒', '%00'];
const SLASH = ['/', '%2f', '%2F', '%252f', '%5c', '%5C', '\\', '／', '%EF%BC%8F', '＼', '﹨', '%ef%bc%bc'];

describe('request paths', () => {
  it.each([
    '/',
    '/tenants/acme/me',
    '/tenants/acme/admin/report.v2.csv',
    '/.well-known/jwks.json',
    '/tenants/acme/admin/...',
    '/tenants/acme/files/café',
    '/tenants/acme/files/⒈',
    '/tenants/{tenantId}/me',
  ])('accepts the canonical path %s', (path) => {
    // Act
    const canonical = isCanonicalPath(path);

    // Assess
    expect(canonical).toBe(true);
  });

  it.each([
    '/tenants/acme/admin/../../globex/me',
    '/tenants/acme/admin/%2e%2e/%2e%2e/globex/me',
    '/tenants/acme/admin/..%2F..%2Fglobex/me',
    '/tenants/acme/./me',
    '/tenants//acme/me',
    '/tenants/acme/me/',
    '/tenants/acme/admin/..',
    '/tenants/acme/%252e%252e/me',
    '/tenants/acme/admin/．．/．．/globex/me',
    '/tenants/acme/admin/%EF%BC%8F..',
    '/tenants/acme\\..\\globex/me',
    '/tenants/acme/%E0%A4%A',
    '/tenants/acme/files/a%20b',
    'tenants/acme/me',
    '',
  ])('refuses the non-canonical path %j', (path) => {
    // Act
    const canonical = isCanonicalPath(path);

    // Assess
    expect(canonical).toBe(false);
  });

  it('judges a method ARN resource by its path part, and refuses one without a path', () => {
    // Act
    const verdicts = ['GET/tenants/acme/me', 'GET/', 'GET/tenants/acme/../globex/me', 'GET'].map(isCanonicalResource);

    // Assess
    expect(verdicts).toEqual([true, true, false, false]);
  });
});

describe('authorizer on non-canonical paths, with real tokens', () => {
  const key = createSigningKey('paths-key');
  const server = useJwksServer({ [POOL_ID]: [key] });
  let registry: ReturnType<typeof mockRegistryReads>;
  let policyHandler: Handler;
  let simpleHandler: Handler;
  let adminToken: string;

  beforeAll(async () => {
    registry = mockRegistryReads({ tenants: { acme: 'active', globex: 'active' } });
    const env = {
      TENANCY_USER_POOL_IDS: POOL_ID,
      TENANCY_CLIENT_IDS: CLIENT_ID,
      TENANCY_JWKS_URI: server.template,
      TENANCY_TABLE_NAME: MOCK_TABLE,
    };
    policyHandler = (await coldStart(() => import('../../functions/authorizer'), env)).handler;
    simpleHandler = (
      await coldStart(() => import('../../functions/authorizer'), { ...env, TENANCY_SIMPLE_RESPONSES: 'true' })
    ).handler;
    adminToken = `Bearer ${signRs256(cognitoClaims({ tenantId: 'acme', groups: ['tenant-admin'] }), key)}`;
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    registry.restore();
  });

  function httpEvent(rawPath: string, resource: string) {
    const event = loadEvent<Record<string, unknown>>('authorizer/http-v2.json');
    event.headers = { authorization: adminToken };
    event.routeArn = arn(resource);
    event.rawPath = rawPath;
    event.pathParameters = { tenantId: 'acme' };
    return event;
  }

  it("refuses a tenant admin's dot-segment escape from its admin prefix into another tenant", async () => {
    // Prepare
    const resource = 'GET/tenants/acme/admin/../../globex/me';

    // Act
    const response = (await policyHandler({
      type: 'TOKEN',
      authorizationToken: adminToken,
      methodArn: arn(resource),
    })) as PolicyResponse;

    // Assess
    expect(policyEffect(response.policyDocument, arn(resource))).toBe('Deny');
    expect(policyEffect(response.policyDocument, arn('GET/tenants/acme/admin/users'))).toBe('Allow');
  });

  it('refuses an HTTP API request whose raw path escapes, even when its route ARN looks canonical', async () => {
    // Act
    const answer = await simpleHandler(
      httpEvent('/prod/tenants/acme/admin/..%2F..%2Fglobex/me', 'GET/tenants/acme/admin/x'),
    );

    // Assess
    expect(answer).toEqual({ isAuthorized: false });
  });

  it('never allows a path with a dot, empty or encoded segment on any route, fresh or from a cached policy', async () => {
    // Prepare
    const routes = fc.constantFrom(
      ['GET', ['tenants', 'acme', 'me']],
      ['POST', ['tenants', 'acme', 'admin', 'users']],
      ['GET', ['tenants', 'acme', 'reports']],
      ['GET', ['health']],
      ['GET', ['catalog']],
    ) as fc.Arbitrary<[string, string[]]>;
    const unsafe = fc.oneof(
      fc.constantFrom(...DOT_DOT),
      fc.constantFrom(...DOT),
      fc.constant(''),
      fc
        .tuple(fc.constantFrom(...DOT_DOT), fc.constantFrom(...SLASH), fc.constantFrom(...DOT_DOT, 'globex'))
        .map((parts) => parts.join('')),
    );
    const cases = fc.tuple(routes, unsafe, fc.nat()).map(([[method, segments], bad, at]) => {
      const index = at % (segments.length + 1);
      const path = [...segments.slice(0, index), bad, ...segments.slice(index)].join('/');
      return { method, path: `/${path}` };
    });
    const cachedPolicy = (
      (await policyHandler({
        type: 'TOKEN',
        authorizationToken: adminToken,
        methodArn: arn('GET/tenants/acme/me'),
      })) as PolicyResponse
    ).policyDocument;

    // Act
    const act = fc.assert(
      fc.asyncProperty(cases, async ({ method, path }) => {
        const resource = `${method}${path}`;
        const rest = (await policyHandler({
          type: 'TOKEN',
          authorizationToken: adminToken,
          methodArn: arn(resource),
        })) as PolicyResponse;
        const http = await simpleHandler(httpEvent(`/prod${path}`, `${method}/tenants/acme/me`));

        // Assess
        expect(policyEffect(rest.policyDocument, arn(resource))).toBe('Deny');
        expect(http).toEqual({ isAuthorized: false });
        // What API Gateway's cache would answer for the same ARN.
        expect(policyEffect(cachedPolicy, arn(resource))).toBe('Deny');
      }),
      { numRuns: 300 },
    );

    // Assess
    await expect(act).resolves.toBeUndefined();
  });
});
