import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PolicyResponse, SimpleResponse } from '../../functions/authorizer';
import { policyEffect } from '../../shared/authorizer/authorization-policy';
import { coldStart } from '../support/cold-start';
import { useJwksServer } from '../support/jwks-server';
import {
  ARN_PREFIX,
  CLIENT_ID,
  cognitoClaims,
  createSigningKey,
  POOL_ID,
  signHs256,
  signRs256,
  unsignedToken,
} from '../support/jwt';
import { MOCK_TABLE, mockRegistryReads } from '../support/registry-reads';

type Handler = (event: unknown) => Promise<PolicyResponse | SimpleResponse>;
type Outcome =
  | { kind: 'unauthorized' }
  | { kind: 'response'; response: PolicyResponse }
  | { kind: 'other'; error: unknown };

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const arn = (resource: string) => `${ARN_PREFIX}${resource}`;

describe('authorizer properties (fast-check)', () => {
  const key = createSigningKey('fuzz-key');
  const server = useJwksServer({ [POOL_ID]: [key] });
  let handler: Handler;
  let validToken: string;

  let registry: ReturnType<typeof mockRegistryReads>;

  beforeAll(async () => {
    registry = mockRegistryReads({ tenants: {}, otherTenants: 'active' });
    ({ handler } = await coldStart(() => import('../../functions/authorizer'), {
      TENANCY_USER_POOL_IDS: POOL_ID,
      TENANCY_CLIENT_IDS: CLIENT_ID,
      TENANCY_JWKS_URI: server.template,
      TENANCY_TABLE_NAME: MOCK_TABLE,
    }));
    validToken = signRs256(cognitoClaims({ groups: ['tenant-admin'] }), key);
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    registry.restore();
  });

  /** Runs a REST TOKEN request and classifies what came back. */
  async function call(authorization: unknown, resource = 'GET/tenants/acme/me'): Promise<Outcome> {
    try {
      const response = await handler({ type: 'TOKEN', authorizationToken: authorization, methodArn: arn(resource) });
      return { kind: 'response', response: response as PolicyResponse };
    } catch (error) {
      const exact = error instanceof Error && error.constructor === Error && error.message === 'Unauthorized';
      return exact ? { kind: 'unauthorized' } : { kind: 'other', error };
    }
  }

  it('never allows and only ever throws Unauthorized for arbitrary header values', async () => {
    // Prepare
    const jwtPart = fc.string({ unit: fc.constantFrom(...B64URL), minLength: 1, maxLength: 80 });
    const headers = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: 'grapheme', maxLength: 200 }).map((rest) => `Bearer ${rest}`),
      fc.tuple(jwtPart, jwtPart, jwtPart).map((parts) => `Bearer ${parts.join('.')}`),
      fc
        .tuple(fc.json(), fc.json(), jwtPart)
        .map(([header, payload, signature]) => `Bearer ${b64(header)}.${b64(payload)}.${signature}`),
      fc.anything(),
    );

    // Act
    const act = fc.assert(
      fc.asyncProperty(headers, async (header) => {
        const outcome = await call(header);

        // Assess
        expect(outcome.kind).toBe('unauthorized');
      }),
      { numRuns: 300 },
    );

    // Assess
    await expect(act).resolves.toBeUndefined();
  });

  it('never allows a mutated valid token unless the mutation left it unchanged', async () => {
    // Prepare
    const mutations = fc.oneof(
      fc.tuple(fc.nat(), fc.constantFrom(...B64URL)).map(
        ([at, char]) =>
          (jwt: string) =>
            replaceAt(jwt, at % jwt.length, char),
      ),
      fc.nat().map((at) => (jwt: string) => removeAt(jwt, at % jwt.length)),
      fc.tuple(fc.nat(), fc.constantFrom(...`${B64URL}.=+/ `)).map(
        ([at, char]) =>
          (jwt: string) =>
            insertAt(jwt, at % (jwt.length + 1), char),
      ),
      fc.nat().map((length) => (jwt: string) => jwt.slice(0, length % jwt.length)),
      fc.constant((jwt: string) => jwt.split('.').reverse().join('.')),
      fc
        .dictionary(
          fc.constantFrom('tenantId', 'tier', 'cognito:groups', 'client_id', 'token_use', 'iss', 'exp'),
          fc.jsonValue(),
        )
        .map((changes) => (jwt: string) => withPayload(jwt, changes)),
      fc
        .constantFrom('none', 'HS256', 'RS384', 'RS512', 'ES256', 'PS256', 'EdDSA', '')
        .map((alg) => (jwt: string) => withHeader(jwt, { alg, kid: 'fuzz-key' })),
    );

    // Act
    const act = fc.assert(
      fc.asyncProperty(mutations, async (mutate) => {
        const mutated = mutate(validToken);
        const outcome = await call(`Bearer ${mutated}`);

        // Assess
        if (outcome.kind === 'response') expect(mutated).toBe(validToken);
        else expect(outcome.kind).toBe('unauthorized');
      }),
      { numRuns: 300 },
    );

    // Assess
    await expect(act).resolves.toBeUndefined();
  });

  it('refuses tokens signed with the public key as HMAC secret or not signed, whatever their claims', async () => {
    // Prepare
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' });
    const claims = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue(), { maxKeys: 5 });
    const forged = fc.oneof(
      claims.map((extra) => signHs256(cognitoClaims({ extra }), pem, { kid: 'fuzz-key' })),
      claims.map((extra) => unsignedToken(cognitoClaims({ extra }), { kid: 'fuzz-key' }, 'AAAA')),
    );

    // Act
    const act = fc.assert(
      fc.asyncProperty(forged, async (jwt) => {
        const outcome = await call(`Bearer ${jwt}`);

        // Assess
        expect(outcome.kind).toBe('unauthorized');
      }),
      { numRuns: 100 },
    );

    // Assess
    await expect(act).resolves.toBeUndefined();
  });

  it('never lets a signed tenant claim widen the policy beyond that one tenant', async () => {
    // Prepare
    const tenantClaims = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('*', 'acme*', 'ac?e', 'acme/*', 'acme/../globex', '', 'globex'),
      fc.stringMatching(/^[a-z0-9-]{3,12}$/),
    );

    // Act
    const act = fc.assert(
      fc.asyncProperty(tenantClaims, async (tenantId) => {
        const jwt = signRs256(cognitoClaims({ tenantId, groups: ['tenant-admin'] }), key);
        const outcome = await call(`Bearer ${jwt}`, 'GET/health');

        // Assess
        expect(outcome.kind).not.toBe('other');
        if (outcome.kind !== 'response') return;
        const allowed = outcome.response.policyDocument.Statement.filter((entry) => entry.Effect === 'Allow');
        const resources = allowed.flatMap((entry) => entry.Resource);
        for (const resource of resources) expect(resource).not.toMatch(/[?]/);
        expect(policyEffect(outcome.response.policyDocument, arn('GET/tenants/not-this-one/me'))).toBe(
          tenantId === 'not-this-one' ? 'Allow' : 'Deny',
        );
        expect(policyEffect(outcome.response.policyDocument, arn(`GET/tenants/${tenantId}/me`))).toBe('Allow');
      }),
      { numRuns: 100 },
    );

    // Assess
    await expect(act).resolves.toBeUndefined();
  });

  it('gives every later request the same answer from a cached policy as from a fresh call', async () => {
    // Prepare
    const segment = fc.oneof(
      fc.constantFrom('tenants', 'acme', 'globex', 'admin', 'me', 'reports', 'health', 'catalog', 'users', ''),
      fc.string({ unit: 'grapheme-ascii', maxLength: 6 }).filter((text) => !text.includes('/')),
    );
    const known = fc.constantFrom(
      'GET/tenants/acme/me',
      'GET/tenants/acme/reports',
      'POST/tenants/acme/admin/users',
      'DELETE/tenants/acme/admin/users/42',
      'GET/tenants/acme/admin',
      'GET/tenants/globex/me',
      'POST/tenants/globex/admin/users',
      'GET/health',
      'GET/catalog',
      'DELETE/catalog',
    );
    const random = fc
      .tuple(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
        fc.array(segment, { maxLength: 5 }),
      )
      .map(([method, segments]) => `${method}/${segments.join('/')}`);
    // Mostly real routes, so both permitted and denied answers are exercised, plus arbitrary paths.
    const resource = fc.oneof({ arbitrary: known, weight: 3 }, { arbitrary: random, weight: 1 });
    const callers = fc.record({
      groups: fc.subarray(['tenant-admin', 'tenant-member', 'auditor']),
      tier: fc.constantFrom('free', 'standard', 'enterprise', 'unknown-tier'),
    });

    // Act
    const act = fc.assert(
      fc.asyncProperty(callers, resource, resource, async (caller, first, second) => {
        const jwt = `Bearer ${signRs256(cognitoClaims({ ...caller, tenantId: 'acme' }), key)}`;
        const cached = await call(jwt, first);
        const fresh = await call(jwt, second);

        // Assess
        if (cached.kind !== 'response' || fresh.kind !== 'response') {
          expect([cached.kind, fresh.kind]).toEqual(['response', 'response']);
          return;
        }
        const later = policyEffect(cached.response.policyDocument, arn(second));
        expect(later).toBe(policyEffect(fresh.response.policyDocument, arn(second)));
        if (/^[A-Z]+\/tenants\/(?!acme\/)[^/]*\//.test(second)) expect(later).toBe('Deny');
      }),
      { numRuns: 200 },
    );

    // Assess
    await expect(act).resolves.toBeUndefined();
  });
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');
}

function replaceAt(text: string, at: number, char: string): string {
  return text.slice(0, at) + char + text.slice(at + 1);
}

function removeAt(text: string, at: number): string {
  return text.slice(0, at) + text.slice(at + 1);
}

function insertAt(text: string, at: number, char: string): string {
  return text.slice(0, at) + char + text.slice(at);
}

function withPayload(jwt: string, changes: Record<string, unknown>): string {
  const [header = '', payload = '', signature = ''] = jwt.split('.');
  const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')), ...changes };
  return `${header}.${b64(claims)}.${signature}`;
}

function withHeader(jwt: string, header: Record<string, unknown>): string {
  const [, payload = '', signature = ''] = jwt.split('.');
  return `${b64(header)}.${payload}.${signature}`;
}
