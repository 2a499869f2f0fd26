import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeBinding } from '../../shared/registry/binding';
import { registryConfigFromEnv } from '../../shared/registry/registry-config';
import type { TenantAdmin } from '../../shared/registry/tenant-admin';
import { TenantRegistry } from '../../shared/registry/tenant-registry';
import { createDynamoDBClient } from '../../shared/runtime/dynamodb-client';
import type { TenancyError } from '../../shared/runtime/errors';
import { logger } from '../../shared/runtime/logger';
import { preTokenConfigFromEnv } from '../../shared/tokens/pre-token-config';
import type { PreTokenGenerationEvent } from '../../shared/tokens/pre-token-event';
import {
  createPreTokenGenerationHandler,
  type PreTokenGenerationHandler,
} from '../../shared/tokens/pre-token-generation';
import { coldStart } from '../support/cold-start';
import { captureEmf, countedDecisions, METRICS_ON } from '../support/emf';
import { loadEvent } from '../support/events';
import { createTestRegistry } from '../support/registry';

const DIR = 'pre-token-generation';
const ACME = { tenantId: 'acme', tier: 'standard' };
const UNAVAILABLE = 'The service is temporarily unavailable. Please try again.';
const SUBS = {
  alice: '7a3f9c2e-1b4d-4e8a-9c6f-2d5e8b1a0c47',
  bob: 'b0b5e1c2-3d4f-4a6b-8c9d-0e1f2a3b4c5d',
  grace: 'a9b8c7d6-e5f4-4a3b-8c2d-1e0f9a8b7c6d',
  fred: 'f0f1f2f3-a4a5-4b6c-8d7e-9f0a1b2c3d4e',
  carol: 'c4a01e55-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
};

/** The groups a response overrides (V1 and V2 shapes). */
function groupsOfResponse(response: unknown): unknown {
  const r = response as {
    claimsOverrideDetails?: { groupOverrideDetails?: { groupsToOverride?: unknown } };
    claimsAndScopeOverrideDetails?: { groupOverrideDetails?: { groupsToOverride?: unknown } };
  };
  return (r.claimsOverrideDetails ?? r.claimsAndScopeOverrideDetails)?.groupOverrideDetails?.groupsToOverride;
}

/**
 * A pass-through HTTP proxy in front of DynamoDB Local. The handler reaches the registry through it (via
 * AWS_ENDPOINT_URL_DYNAMODB, as in production), so the test can count the handler's real reads by item
 * kind, and take the registry "down" (HTTP 500 from DynamoDB, retried by the SDK and then given up).
 */
class RegistryProxy {
  readonly reads: string[] = [];
  down = false;
  #server: Server | undefined;

  constructor(readonly upstream: string) {}

  get endpoint(): string {
    const address = this.#server?.address() as AddressInfo | undefined;
    if (address === undefined) throw new Error('proxy not started');
    return `http://127.0.0.1:${address.port}`;
  }

  count(kind: string): number {
    return this.reads.filter((read) => read === kind).length;
  }

  async start(): Promise<void> {
    this.#server = createServer(async (req, res) => {
      const body = await readBody(req);
      const target = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '?';
      if (target === 'GetItem') this.reads.push(kindOf(body));
      if (this.down) {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'down' }));
        return;
      }
      const upstream = new URL(this.upstream);
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** `tenant`, `membership` or `binding`, from the key of a GetItem request. */
function kindOf(body: Buffer): string {
  const { Key } = JSON.parse(body.toString()) as { Key: { pk: { S: string }; sk: { S: string } } };
  // User items (`USER#<sub>`) share the `TENANT` sort key with tenant items: tell them apart by partition key.
  if (Key.sk.S === 'TENANT') return Key.pk.S.startsWith('TENANT#') ? 'tenant' : 'user';
  if (Key.sk.S.startsWith('USER#')) return 'membership';
  return Key.sk.S === 'BINDING' ? 'binding' : 'other';
}

describe('pre token generation handler against DynamoDB Local', () => {
  let registry: TenantAdmin;
  let tableName: string;
  let proxy: RegistryProxy;

  /** Imports the Lambda module afresh (a cold start) with the given settings. */
  async function coldStartHandler(env: Record<string, string> = {}): Promise<PreTokenGenerationHandler> {
    const module = await coldStart(() => import('../../functions/pre-token-generation'), {
      TENANCY_TABLE_NAME: tableName,
      TENANCY_IDP_GROUPS_ATTRIBUTE: 'custom:idpGroups',
      AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
      ...env,
    });
    // The Lambda runtime hands over whatever JSON arrived; the handler validates it.
    return (event) => module.handler(event as PreTokenGenerationEvent);
  }

  /** The clock of `clockedHandler`, in milliseconds: tests move it instead of waiting. */
  let clock = 0;

  /**
   * The handler as `functions/pre-token-generation.ts` wires it (same configuration readers, same registry and
   * client through the proxy), with the clock injected: cache expiry is tested by moving `clock`, not by sleeping.
   */
  function clockedHandler(env: Record<string, string>): PreTokenGenerationHandler {
    const settings = { TENANCY_TABLE_NAME: tableName, TENANCY_IDP_GROUPS_ATTRIBUTE: 'custom:idpGroups', ...env };
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', proxy.endpoint);
    const { tiers } = registryConfigFromEnv(settings);
    clock = Date.parse('2026-03-01T12:00:00Z');
    return createPreTokenGenerationHandler({
      registry: new TenantRegistry({ client: createDynamoDBClient(), tableName, tiers }),
      config: preTokenConfigFromEnv(settings),
      logger,
      now: () => clock,
    });
  }

  /**
   * The refusal a promise ends with. Each cold start loads its own copy of `shared/errors`, so errors are
   * recognised by name and shape rather than by `instanceof`.
   */
  async function refusal(promise: Promise<unknown>): Promise<TenancyError> {
    const error = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    if (!(error instanceof Error) || error.name !== 'TenancyError' || !('userMessage' in error)) {
      throw new Error(`expected a refusal, got ${String(error)}`);
    }
    return error as TenancyError;
  }

  beforeAll(async () => {
    const test = await createTestRegistry();
    ({ registry, tableName } = test);
    proxy = new RegistryProxy(test.endpoint);
    await proxy.start();
    await registry.createTenant({
      tenantId: 'acme',
      name: 'Acme',
      tier: 'standard',
      roleMappings: { AcmeAdmins: 'tenant-admin' },
    });
    await registry.createTenant({ tenantId: 'globex', name: 'Globex', tier: 'enterprise' });
    await registry.createTenant({ tenantId: 'initech', name: 'Initech', tier: 'free' });
    await registry.bind('globex', makeBinding('client', 'globexbridgeclient0000000'));
    await registry.addMember({ tenantId: 'acme', sub: SUBS.alice, role: 'tenant-member', source: 'domain' });
    await registry.addMember({ tenantId: 'acme', sub: SUBS.bob, role: 'tenant-admin', source: 'domain' });
    await registry.addMember({ tenantId: 'globex', sub: SUBS.grace, role: 'tenant-member', source: 'domain' });
    await registry.addMember({ tenantId: 'initech', sub: SUBS.fred, role: 'tenant-admin', source: 'domain' });
  });

  afterEach(() => {
    proxy.down = false;
    proxy.reads.length = 0;
  });

  afterAll(async () => {
    await proxy.stop();
    vi.unstubAllEnvs();
  });

  it('issues tenant claims read from the registry for V1 sign-in, V2 refresh and V3 client credentials', async () => {
    // Prepare
    const handler = await coldStartHandler();

    // Act
    const v1 = await handler(loadEvent(`${DIR}/v1-authentication.json`));
    const v2 = await handler(loadEvent(`${DIR}/v2-refresh-tokens.json`));
    const v3 = await handler(loadEvent(`${DIR}/v3-client-credentials.json`));

    // Assess
    // The claims contract version: a string in V1 responses (string values only), the integer in V2/V3.
    expect(v1.response).toEqual({
      claimsOverrideDetails: {
        claimsToAddOrOverride: { ...ACME, 'tenancy:v': '1' },
        groupOverrideDetails: { groupsToOverride: ['tenant-member'], iamRolesToOverride: [] },
      },
    });
    const globex = { tenantId: 'globex', tier: 'enterprise', 'tenancy:v': 1 };
    expect(v2.response).toEqual({
      claimsAndScopeOverrideDetails: {
        idTokenGeneration: { claimsToAddOrOverride: globex },
        accessTokenGeneration: { claimsToAddOrOverride: globex },
        groupOverrideDetails: { groupsToOverride: ['tenant-member'], iamRolesToOverride: [] },
      },
    });
    expect(v3.response).toEqual({
      claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: globex } },
    });
  });

  it.each([
    ['a V1 sign-in', 'v1-authentication', 'issued', 'tenant-member', 'standard'],
    ['a V3 client credentials token', 'v3-client-credentials', 'issued', 'client-binding', 'enterprise'],
    ['a custom:tenantId without membership', 'refuse-membership-mismatch', 'refused', 'membership-mismatch', 'none'],
    ['an unknown tenant', 'refuse-unknown-tenant', 'refused', 'tenant-not-found', 'none'],
    ['an unbound app client', 'refuse-unbound-client', 'refused', 'no-binding', 'none'],
    ['a user never assigned', 'refuse-no-tenant-id', 'refused', 'no-tenant-attribute', 'none'],
    ['a malformed event', 'refuse-malformed-event', 'refused', 'invalid-input', 'none'],
  ])('counts %s as one Decisions metric with its outcome, reason and tier', async (_, file, outcome, reason, tier) => {
    // Prepare
    const handler = await coldStartHandler(METRICS_ON);
    const event = loadEvent(`${DIR}/${file}.json`);

    // Act
    const documents = await captureEmf(() => handler(event));

    // Assess
    expect(countedDecisions(documents)).toEqual([{ service: 'pre-token-generation', outcome, reason, tier, value: 1 }]);
  });

  it('counts a token refused for a suspended tenant with that tenant tier', async () => {
    // Prepare
    const handler = await coldStartHandler(METRICS_ON);
    await registry.setStatus('initech', 'suspended');

    // Act
    const documents = await captureEmf(() => handler(loadEvent(`${DIR}/refuse-suspended-tenant.json`))).finally(() =>
      registry.setStatus('initech', 'active'),
    );

    // Assess
    expect(countedDecisions(documents)).toEqual([
      { service: 'pre-token-generation', outcome: 'refused', reason: 'tenant-inactive', tier: 'free', value: 1 },
    ]);
  });

  it('counts a token refused while the registry is down as failed, registry-unavailable', async () => {
    // Prepare
    const handler = await coldStartHandler(METRICS_ON);
    proxy.down = true;

    // Act
    const documents = await captureEmf(() => handler(loadEvent(`${DIR}/v1-authentication.json`)));

    // Assess
    expect(countedDecisions(documents)).toEqual([
      { service: 'pre-token-generation', outcome: 'failed', reason: 'registry-unavailable', tier: 'none', value: 1 },
    ]);
  });

  it('reads a tenant once per TTL and the membership once per token while verification is on', async () => {
    // Prepare
    const handler = await coldStartHandler();

    // Act
    for (let i = 0; i < 5; i++) await handler(loadEvent(`${DIR}/v1-authentication.json`));
    await handler(loadEvent(`${DIR}/v1-refresh-tokens.json`));

    // Assess
    expect(proxy.count('tenant')).toBe(1);
    expect(proxy.count('membership')).toBe(6);
  });

  it('reads the membership of every user token (it carries the role), and caches the client and pool bindings like a tenant', async () => {
    // Prepare
    const handler = await coldStartHandler();

    // Act
    for (let i = 0; i < 3; i++) await handler(loadEvent(`${DIR}/v1-authentication.json`));
    for (let i = 0; i < 3; i++) await handler(loadEvent(`${DIR}/v3-client-credentials.json`));

    // Assess
    // One pool binding read (pinning, `pool-pinning.ts`) for the users, one client binding for the clients.
    expect(proxy.reads.sort()).toEqual([
      'binding',
      'binding',
      'membership',
      'membership',
      'membership',
      'tenant',
      'tenant',
    ]);
  });

  it('issues the role the registry holds at refresh: set-role shows at once, removal refuses', async () => {
    // Prepare
    const handler = await coldStartHandler();
    await registry.addMember({ tenantId: 'acme', sub: SUBS.carol, role: 'tenant-member', source: 'domain' });
    const event = () => loadEvent(`${DIR}/v1-new-password-challenge.json`);
    const before = await handler(event());
    await registry.setRole('acme', SUBS.carol, 'tenant-admin');
    const promoted = await handler(event());
    await registry.removeMember('acme', SUBS.carol);

    // Act
    const removed = await refusal(handler(event()));

    // Assess
    expect(groupsOfResponse(before.response)).toEqual(['tenant-member']);
    expect(groupsOfResponse(promoted.response)).toEqual(['tenant-admin']);
    expect((removed.cause as Error).name).toBe('MembershipMismatchError');
  });

  it('refuses membership mismatch, unknown tenant and unbound client against the real registry', async () => {
    // Prepare
    const handler = await coldStartHandler();

    // Act
    const errors = await Promise.all(
      ['refuse-membership-mismatch.json', 'refuse-unknown-tenant.json', 'refuse-unbound-client.json'].map((file) =>
        refusal(handler(loadEvent(`${DIR}/${file}`))),
      ),
    );

    // Assess
    expect(errors.map((error) => (error.cause as Error).name)).toEqual([
      'MembershipMismatchError',
      'TenantNotFoundError',
      'BindingNotFoundError',
    ]);
  });

  it('refuses a refresh once the tenant is suspended and its cache entry has expired', async () => {
    // Prepare
    const handler = clockedHandler({ TENANCY_CACHE_TTL_SECONDS: '1' });
    const event = { ...loadEvent(`${DIR}/refuse-suspended-tenant.json`) };
    const signIn = await handler({ ...event, triggerSource: 'TokenGeneration_Authentication' });
    await registry.setStatus('initech', 'suspended');
    clock += 1001;

    // Act
    const error = await refusal(handler(event));

    // Assess
    expect(signIn.response).toBeDefined();
    expect(error.message).toBe('Your organization is not active.');
    expect((error.cause as Error).name).toBe('TenantInactiveError');
    await registry.setStatus('initech', 'active');
  });

  it('serves a cached tenant and client binding while the registry fails, within the stale window', async () => {
    // Prepare
    const handler = clockedHandler({
      TENANCY_CACHE_TTL_SECONDS: '1',
      TENANCY_STALE_TTL_SECONDS: '60',
    });
    await handler(loadEvent(`${DIR}/v1-authentication.json`));
    await handler(loadEvent(`${DIR}/v3-client-credentials.json`));
    clock += 1001;
    proxy.down = true;
    proxy.reads.length = 0;

    // Act
    const machine = await handler(loadEvent(`${DIR}/v3-client-credentials.json`));
    // A user token also needs the membership (never cached: it carries the role), so it is refused.
    const user = await refusal(handler(loadEvent(`${DIR}/v1-authentication.json`)));

    // Assess
    expect(user.message).toBe(UNAVAILABLE);
    expect(machine.response).toMatchObject({
      claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: { tenantId: 'globex' } } },
    });
    // The handler did try the registry (and the SDK retried) before falling back to the stale entries.
    expect(proxy.count('tenant')).toBeGreaterThanOrEqual(1);
    expect(proxy.count('binding')).toBeGreaterThanOrEqual(1);
  });

  it('fails closed while the registry fails and nothing is cached, or only the membership could be read', async () => {
    // Prepare
    const handler = await coldStartHandler({ TENANCY_CACHE_TTL_SECONDS: '60' });
    await handler(loadEvent(`${DIR}/v1-authentication.json`));
    proxy.down = true;

    // Act
    const uncached = await refusal(handler(loadEvent(`${DIR}/v2-refresh-tokens.json`)));
    const cachedTenantButMembership = await refusal(handler(loadEvent(`${DIR}/v1-authentication.json`)));

    // Assess
    for (const error of [uncached, cachedTenantButMembership]) {
      expect(error.message).toBe(UNAVAILABLE);
      expect((error.cause as Error).name).toBe('RegistryUnavailableError');
    }
    expect(proxy.count('tenant')).toBeGreaterThanOrEqual(1);
  });

  it('stops serving a stale tenant once the stale window has passed', async () => {
    // Prepare
    const handler = clockedHandler({
      TENANCY_CACHE_TTL_SECONDS: '1',
      TENANCY_STALE_TTL_SECONDS: '1',
    });
    await handler(loadEvent(`${DIR}/v3-client-credentials.json`));
    proxy.down = true;
    clock += 1001;
    const stale = await handler(loadEvent(`${DIR}/v3-client-credentials.json`));
    // Past load + TTL (1 s) + stale window (1 s).
    clock += 1000;

    // Act
    const error = await refusal(handler(loadEvent(`${DIR}/v3-client-credentials.json`)));

    // Assess
    expect(stale.response).toMatchObject({
      claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: { tenantId: 'globex' } } },
    });
    expect(error.message).toBe(UNAVAILABLE);
  });

  it('refuses to start with a reserved claim name or an unknown TENANCY_ setting', async () => {
    // Act
    const reserved = await coldStartHandler({ TENANCY_TENANT_ID_CLAIM: 'sub' }).catch((error: unknown) => error);
    const misspelt = await coldStartHandler({ TENANCY_VERIFY_MEMBERSHIPS: 'false' }).catch((error: unknown) => error);

    // Assess
    expect(reserved).toMatchObject({ name: 'ConfigurationError', setting: 'TENANCY_TENANT_ID_CLAIM' });
    expect((reserved as Error).message).toMatch(/"sub" is a reserved claim/);
    expect(misspelt).toMatchObject({ name: 'ConfigurationError', setting: 'TENANCY_VERIFY_MEMBERSHIPS' });
  });
});
