import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PolicyResponse, SimpleResponse } from '../../functions/authorizer';
import { policyEffect } from '../../shared/authorizer/authorization-policy';
import { canonicalDenies } from '../support/canonical-denies';
import { coldStart } from '../support/cold-start';
import { captureEmf, countedDecisions, METRICS_ON } from '../support/emf';
import { loadEvent } from '../support/events';
import { useJwksServer } from '../support/jwks-server';
import {
  ARN_PREFIX,
  CLIENT_ID,
  type ClaimOptions,
  cognitoClaims,
  createSigningKey,
  POOL_ID,
  signRs256,
} from '../support/jwt';
import { MOCK_TABLE, mockRegistryReads } from '../support/registry-reads';

type Handler = (event: unknown) => Promise<PolicyResponse | SimpleResponse>;

const TIER_KEYS = 'free=free-key-000000000000000,standard=standard-key-0000000000,enterprise=enterprise-key-00000000';
const SUB = 'b1f0a7c2-0000-4000-8000-000000000001';
const arn = (resource: string) => `${ARN_PREFIX}${resource}`;

/** Asserts the exact rejection API Gateway turns into 401: an `Error` whose message is `Unauthorized`. */
async function expectUnauthorized(answer: Promise<unknown>): Promise<void> {
  const error = await answer.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).constructor).toBe(Error);
  expect((error as Error).message).toBe('Unauthorized');
}

describe('authorizer handler', () => {
  const key = createSigningKey('handler-key');
  const server = useJwksServer({ [POOL_ID]: [key] });

  let registry: ReturnType<typeof mockRegistryReads>;

  beforeAll(() => {
    registry = mockRegistryReads({ tenants: { acme: 'active', globex: 'active' } });
  });

  afterAll(() => {
    registry.restore();
  });

  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  /** Sets the environment, then loads a fresh copy of the handler module (its cold start). */
  async function coldStartHandler(env: Record<string, string> = {}): Promise<Handler> {
    const module = await coldStart(() => import('../../functions/authorizer'), {
      TENANCY_USER_POOL_IDS: POOL_ID,
      TENANCY_CLIENT_IDS: CLIENT_ID,
      TENANCY_JWKS_URI: server.template,
      TENANCY_TABLE_NAME: MOCK_TABLE,
      ...env,
    });
    return module.handler;
  }

  const bearer = (options: ClaimOptions = {}) => `Bearer ${signRs256(cognitoClaims(options), key)}`;

  function tokenEvent(authorization: string, resource = 'GET/tenants/acme/me') {
    const event = loadEvent('authorizer/rest-token.json');
    event.authorizationToken = authorization;
    event.methodArn = arn(resource);
    return event;
  }

  function requestEvent(authorization: string, tenantId = 'acme', resource = `GET/tenants/${tenantId}/me`) {
    const event = loadEvent<{
      methodArn: string;
      headers: Record<string, string>;
      multiValueHeaders: Record<string, string[]>;
      pathParameters: Record<string, string>;
    }>('authorizer/rest-request.json');
    event.methodArn = arn(resource);
    event.headers.Authorization = authorization;
    event.multiValueHeaders.Authorization = [authorization];
    event.pathParameters.tenantId = tenantId;
    return event;
  }

  function httpEvent(authorization: string, tenantId = 'acme', resource = `GET/tenants/${tenantId}/me`) {
    const event = loadEvent<{
      routeArn: string;
      identitySource: string[];
      headers: Record<string, string>;
      pathParameters: Record<string, string>;
    }>('authorizer/http-v2.json');
    event.routeArn = arn(resource);
    event.identitySource = [authorization];
    event.headers.authorization = authorization;
    event.pathParameters.tenantId = tenantId;
    return event;
  }

  describe('cold start configuration', () => {
    it.each<[string, Record<string, string>, string, RegExp]>([
      ['no user pool ids', { TENANCY_USER_POOL_IDS: '' }, 'TENANCY_USER_POOL_IDS', /is required/],
      ['no app client ids', { TENANCY_CLIENT_IDS: ' ' }, 'TENANCY_CLIENT_IDS', /is required/],
      ['a malformed user pool id', { TENANCY_USER_POOL_IDS: 'my-pool' }, 'TENANCY_USER_POOL_IDS', /not a user pool id/],
      ['a token use that skips the check', { TENANCY_TOKEN_USE: 'any' }, 'TENANCY_TOKEN_USE', /"access" or "id"/],
      ['a misspelt setting', { TENANCY_TOKENUSE: 'id' }, 'TENANCY_TOKENUSE', /unknown setting/],
      [
        'plain http to a non-loopback JWKS host',
        { TENANCY_JWKS_URI: 'http://jwks.example.com/{userPoolId}/.well-known/jwks.json' },
        'TENANCY_JWKS_URI',
        /https URL, or http on 127.0.0.1/,
      ],
      [
        'one JWKS location for several pools',
        {
          TENANCY_USER_POOL_IDS: `${POOL_ID},us-east-1_Second22`,
          TENANCY_JWKS_URI: 'https://keys.example.com/jwks.json',
        },
        'TENANCY_JWKS_URI',
        /\{userPoolId\}/,
      ],
      [
        'an API key for an unknown tier',
        { TENANCY_TIER_API_KEYS: 'gold=gold-key-0000000000000000' },
        'TENANCY_TIER_API_KEYS',
        /"gold"/,
      ],
      [
        'API keys that leave a tier out',
        { TENANCY_TIER_API_KEYS: 'free=free-key-000000000000000' },
        'TENANCY_TIER_API_KEYS',
        /standard, enterprise/,
      ],
      [
        'a route rule naming an unknown tier',
        { TENANCY_ROUTES: '{"routes":[{"route":"GET /x","minimumTier":"gold"}]}' },
        'TENANCY_ROUTES',
        /minimumTier "gold"/,
      ],
      [
        'a route rules file that does not exist',
        { TENANCY_ROUTES: 'config/missing-routes.json' },
        'TENANCY_ROUTES',
        /cannot read/,
      ],
      ['a memo size out of range', { TENANCY_TOKEN_MEMO_SIZE: '-1' }, 'TENANCY_TOKEN_MEMO_SIZE', /0 to 10000/],
    ])('refuses to start with %s', async (_case, env, setting, message) => {
      // Act
      const start = coldStartHandler(env);

      // Assess
      await expect(start).rejects.toMatchObject({ name: 'ConfigurationError', setting, message });
    });

    it('starts with the route rules file named by TENANCY_ROUTES', async () => {
      // Prepare
      const handler = await coldStartHandler({ TENANCY_ROUTES: 'config/routes.json' });

      // Act
      const response = (await handler(tokenEvent(bearer()))) as PolicyResponse;

      // Assess
      expect(response.policyDocument.Statement[0]?.Effect).toBe('Allow');
    });
  });

  describe('REST TOKEN events', () => {
    it("allows the caller's own tenant route with principal, context and a policy covering its other routes", async () => {
      // Prepare
      const handler = await coldStartHandler();

      // Act
      const response = await handler(tokenEvent(bearer({ sub: SUB, groups: ['tenant-admin', 'tenant-member'] })));

      // Assess
      expect(response).toEqual({
        principalId: SUB,
        context: {
          tenantId: 'acme',
          tier: 'standard',
          groups: 'tenant-admin,tenant-member',
          sub: SUB,
          claimsVersion: '1',
        },
        policyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Action: 'execute-api:Invoke',
              Effect: 'Allow',
              Resource: expect.arrayContaining([
                arn('GET/tenants/acme/me'),
                arn('POST/tenants/acme/admin/*'),
                arn('GET/tenants/acme/reports'),
                arn('GET/health'),
                arn('GET/catalog'),
              ]),
            },
            {
              Action: 'execute-api:Invoke',
              Effect: 'Deny',
              Resource: [
                ...canonicalDenies(ARN_PREFIX),
                ...[
                  'GET/tenants/acme/documents/*/*',
                  'DELETE/tenants/acme/documents/*/*',
                  'POST/tenants/acme/documents/*/*/shares',
                  'PUT/tenants/acme/members/*/*',
                  'DELETE/tenants/acme/members/*/*',
                ].map((pattern) => arn(pattern)),
              ],
            },
          ],
        },
      });
    });

    it("denies another tenant's path with 403 and adds the tier's API key for usage plans", async () => {
      // Prepare
      const handler = await coldStartHandler({ TENANCY_TIER_API_KEYS: TIER_KEYS });

      // Act
      const response = (await handler(tokenEvent(bearer({ tier: 'free' }), 'GET/tenants/globex/me'))) as PolicyResponse;

      // Assess
      expect(response.usageIdentifierKey).toBe('free-key-000000000000000');
      expect(response.policyDocument.Statement[1]).toMatchObject({
        Effect: 'Deny',
        Resource: expect.arrayContaining([arn('GET/tenants/globex/me')]),
      });
      expect(policyEffect(response.policyDocument, arn('GET/tenants/globex/me'))).toBe('Deny');
    });

    it.each([
      ['an expired token', () => bearer({ expiresIn: -1 })],
      ['a token without the tenant claim', () => bearer({ tenantId: null })],
      ['a token without the Bearer scheme', () => bearer().slice('Bearer '.length)],
      ['an empty token', () => ''],
    ])('throws exactly Unauthorized for %s', async (_case, authorization) => {
      // Prepare
      const handler = await coldStartHandler();

      // Act
      const answer = handler(tokenEvent(authorization()));

      // Assess
      await expectUnauthorized(answer);
    });
  });

  describe('REST REQUEST events', () => {
    it('allows with the Authorization header and the matching tenantId path parameter', async () => {
      // Prepare
      const handler = await coldStartHandler();

      // Act
      const response = (await handler(requestEvent(bearer({ sub: SUB })))) as PolicyResponse;

      // Assess
      expect(response.principalId).toBe(SUB);
      expect(response.context).toEqual({
        tenantId: 'acme',
        tier: 'standard',
        groups: 'tenant-member',
        sub: SUB,
        claimsVersion: '1',
      });
      expect(response.policyDocument.Statement[0]).toEqual(
        expect.objectContaining({ Effect: 'Allow', Resource: expect.arrayContaining([arn('GET/tenants/acme/me')]) }),
      );
      expect(policyEffect(response.policyDocument, arn('GET/tenants/acme/me'))).toBe('Allow');
    });

    it("denies a path naming another tenant, keeping the caller's own routes allowed", async () => {
      // Prepare
      const handler = await coldStartHandler();

      // Act
      const response = (await handler(requestEvent(bearer(), 'globex'))) as PolicyResponse;

      // Assess
      expect(response.policyDocument.Statement.map((statement) => statement.Effect)).toEqual(['Allow', 'Deny']);
      expect(response.policyDocument.Statement[1]?.Resource).toContain(arn('GET/tenants/globex/me'));
      expect(policyEffect(response.policyDocument, arn('GET/tenants/acme/me'))).toBe('Allow');
    });

    it('denies a route whose minimum tier the caller does not have', async () => {
      // Prepare
      const handler = await coldStartHandler();

      // Act
      const response = (await handler(
        requestEvent(bearer({ tier: 'free' }), 'acme', 'GET/tenants/acme/reports'),
      )) as PolicyResponse;

      // Assess
      expect(response.policyDocument.Statement[1]?.Resource).toContain(arn('GET/tenants/acme/reports'));
      expect(policyEffect(response.policyDocument, arn('GET/tenants/acme/reports'))).toBe('Deny');
    });

    it('finds the header whatever its case, as serverless-offline passes it', async () => {
      // Prepare
      const handler = await coldStartHandler();
      const event = requestEvent('');
      delete (event.headers as Record<string, string>).Authorization;
      event.headers.aUtHoRiZaTiOn = bearer();
      event.multiValueHeaders = {};

      // Act
      const response = (await handler(event)) as PolicyResponse;

      // Assess
      expect(response.policyDocument.Statement[0]?.Effect).toBe('Allow');
    });

    it('throws Unauthorized when the Authorization header is sent twice', async () => {
      // Prepare
      const handler = await coldStartHandler();
      const first = requestEvent(bearer());
      first.multiValueHeaders.Authorization = [bearer(), bearer({ tenantId: 'globex' })];
      const second = requestEvent(bearer());
      second.headers.authorization = bearer({ tenantId: 'globex' });

      // Act
      const answers = [handler(first), handler(second)];

      // Assess
      await expectUnauthorized(answers[0] as Promise<unknown>);
      await expectUnauthorized(answers[1] as Promise<unknown>);
    });

    it('throws Unauthorized when the header is missing', async () => {
      // Prepare
      const handler = await coldStartHandler();
      const event = requestEvent(bearer());
      event.headers = {};
      event.multiValueHeaders = {};

      // Act
      const answer = handler(event);

      // Assess
      await expectUnauthorized(answer);
    });
  });

  describe('HTTP API payload 2.0 events', () => {
    it('answers a simple response with the context when simple responses are on', async () => {
      // Prepare
      const handler = await coldStartHandler({ TENANCY_SIMPLE_RESPONSES: 'true', TENANCY_TIER_API_KEYS: TIER_KEYS });

      // Act
      const response = await handler(httpEvent(bearer({ sub: SUB })));

      // Assess
      expect(response).toEqual({
        isAuthorized: true,
        context: { tenantId: 'acme', tier: 'standard', groups: 'tenant-member', sub: SUB, claimsVersion: '1' },
      });
    });

    it('answers isAuthorized false (403) for another tenant when simple responses are on', async () => {
      // Prepare
      const handler = await coldStartHandler({ TENANCY_SIMPLE_RESPONSES: 'true' });

      // Act
      const response = await handler(httpEvent(bearer(), 'globex'));

      // Assess
      expect(response).toEqual({ isAuthorized: false });
    });

    it('throws Unauthorized (401) for an invalid token even with simple responses', async () => {
      // Prepare
      const handler = await coldStartHandler({ TENANCY_SIMPLE_RESPONSES: 'true' });

      // Act
      const answer = handler(httpEvent(`${bearer()}x`));

      // Assess
      await expectUnauthorized(answer);
    });

    it('decides serverless-offline events, whose route ARN holds a placeholder account and the route template', async () => {
      // Prepare
      const handler = await coldStartHandler({ TENANCY_SIMPLE_RESPONSES: 'true' });
      const offline = (tenantId: string) => {
        const event = httpEvent('', tenantId);
        event.routeArn = 'arn:aws:execute-api:us-east-1:random-account-id:random-api-id/dev/GET/tenants/{tenantId}/me';
        event.headers = { Authorization: bearer({ sub: SUB }) };
        return event;
      };

      // Act
      const own = await handler(offline('acme'));
      const other = await handler(offline('globex'));

      // Assess
      expect(own).toEqual({
        isAuthorized: true,
        context: { tenantId: 'acme', tier: 'standard', groups: 'tenant-member', sub: SUB, claimsVersion: '1' },
      });
      expect(other).toEqual({ isAuthorized: false });
    });

    it('answers an IAM policy for the route ARN, without an API key, when simple responses are off', async () => {
      // Prepare
      const handler = await coldStartHandler({ TENANCY_TIER_API_KEYS: TIER_KEYS });

      // Act
      const response = (await handler(httpEvent(bearer({ sub: SUB })))) as PolicyResponse;

      // Assess
      expect(response.principalId).toBe(SUB);
      expect(response.usageIdentifierKey).toBeUndefined();
      expect(response.policyDocument.Statement[0]).toMatchObject({
        Effect: 'Allow',
        Resource: expect.arrayContaining([arn('GET/tenants/acme/me'), arn('GET/health')]),
      });
    });
  });

  it.each([
    ['null', null],
    ['a string', 'Bearer x'],
    ['an empty object', {}],
    ['an unknown authorizer type', { type: 'JWT', authorizationToken: 'Bearer a.b.c' }],
    ['a TOKEN event without a method ARN', { type: 'TOKEN', authorizationToken: 'Bearer a.b.c' }],
  ])('throws Unauthorized, never a 500, for %s as event', async (_case, event) => {
    // Prepare
    const handler = await coldStartHandler();

    // Act
    const answer = handler(event);

    // Assess
    await expectUnauthorized(answer);
  });

  it.each([
    ['an allowed request', () => tokenEvent(bearer()), 'allowed', 'permitted', 'standard'],
    [
      'a request for another tenant',
      () => tokenEvent(bearer(), 'GET/tenants/globex/me'),
      'denied',
      'tenant-mismatch',
      'standard',
    ],
    ['an expired token', () => tokenEvent(bearer({ expiresIn: -1 })), 'unauthorized', 'expired', 'none'],
    [
      'a token of an unconfigured tier',
      () => tokenEvent(bearer({ tier: 'platinum' })),
      'allowed',
      'permitted',
      'other',
    ],
    ['an unsupported event', () => ({ type: 'JWT' }), 'unauthorized', 'unsupported-event', 'none'],
  ])(
    'counts %s as one Decisions metric with its outcome, reason and tier',
    async (_case, event, outcome, reason, tier) => {
      // Prepare
      const handler = await coldStartHandler(METRICS_ON);
      const request = event();

      // Act
      const documents = await captureEmf(() => handler(request));

      // Assess
      expect(countedDecisions(documents)).toEqual([{ service: 'authorizer', outcome, reason, tier, value: 1 }]);
    },
  );

  it('logs why a request was refused without logging the token', async () => {
    // Prepare
    const handler = await coldStartHandler({ POWERTOOLS_LOG_LEVEL: 'INFO' });
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const expired = bearer({ expiresIn: -1 });

    // Act
    await handler(tokenEvent(expired)).catch(() => undefined);

    // Assess
    const output = lines.join('');
    expect(output).toContain('"reason":"expired"');
    expect(output).not.toContain(expired.slice('Bearer '.length));
    expect(output).not.toContain(expired.split('.')[2]);
  });
});
