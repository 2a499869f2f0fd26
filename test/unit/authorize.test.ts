import { createPublicKey } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { policyEffect } from '../../shared/authorizer/authorization-policy';
import { type AuthorizationRequest, Authorizer, type Decision, type Verdict } from '../../shared/authorizer/authorize';
import { type AuthorizerConfig, authorizerConfigFromEnv } from '../../shared/authorizer/authorizer-config';
import { createCognitoJwtVerifier, type JwtVerifier, TokenVerifier } from '../../shared/authorizer/token-verifier';
import type { Env } from '../../shared/runtime/settings';
import { canonicalDenies } from '../support/canonical-denies';
import { useJwksServer } from '../support/jwks-server';
import {
  ARN_PREFIX,
  CLIENT_ID,
  type ClaimOptions,
  cognitoClaims,
  createSigningKey,
  OTHER_CLIENT_ID,
  OTHER_POOL_ID,
  POOL_ID,
  type SigningKey,
  signHs256,
  signRs256,
  unsignedToken,
} from '../support/jwt';

const arn = (resource: string) => `${ARN_PREFIX}${resource}`;
// Where the `{documentId}` of the bundled routes would span a `/`: every policy of a member denies these.
const SPANS = [
  'GET/tenants/acme/documents/*/*',
  'DELETE/tenants/acme/documents/*/*',
  'POST/tenants/acme/documents/*/*/shares',
];

describe('Authorizer (core decision) with real RS256 tokens', () => {
  const poolKey = createSigningKey('pool-key-1');
  // Some JWKS publish keys without `alg`; such a key must not let the token choose its algorithm.
  const bare = createSigningKey('no-alg-key');
  const { alg: _alg, ...jwkWithoutAlg } = bare.jwk;
  const algLessKey: SigningKey = { ...bare, jwk: jwkWithoutAlg };
  const otherPoolKey = createSigningKey('other-pool-key');
  const server = useJwksServer({ [POOL_ID]: [poolKey, algLessKey], [OTHER_POOL_ID]: [otherPoolKey] });

  afterEach(() => {
    vi.useRealTimers();
  });

  function configFor(env: Env = {}): AuthorizerConfig {
    return authorizerConfigFromEnv({
      TENANCY_USER_POOL_IDS: POOL_ID,
      TENANCY_CLIENT_IDS: CLIENT_ID,
      TENANCY_JWKS_URI: server.template,
      ...env,
    });
  }

  function authorizerFor(env: Env = {}, wrap: (verifier: JwtVerifier) => JwtVerifier = (verifier) => verifier) {
    const config = configFor(env);
    const verifier = new TokenVerifier(
      wrap(createCognitoJwtVerifier(config)),
      config.claimNames,
      config.memoSize,
      config.roleGroups,
    );
    return new Authorizer({ verifier, routes: config.routes, tiers: config.tiers, tierApiKeys: config.tierApiKeys });
  }

  /** An authorizer whose signature checks are counted (the memo's effect is the count staying put). */
  function countingAuthorizer(env: Env = {}) {
    let count = 0;
    const authorizer = authorizerFor(env, (inner) => ({
      hydrate: () => inner.hydrate(),
      verify: (jwt) => {
        count++;
        return inner.verify(jwt);
      },
    }));
    return { authorizer, verifications: () => count };
  }

  const token = (options: ClaimOptions = {}, key: SigningKey = poolKey) => signRs256(cognitoClaims(options), key);
  const request = (authorization: unknown, resource = 'GET/tenants/acme/me'): AuthorizationRequest => ({
    authorization,
    methodArn: arn(resource),
  });

  function verdict(decision: Decision): Verdict {
    if (decision.effect === 'Unauthorized')
      throw new Error(`expected a verdict, got Unauthorized (${decision.reason})`);
    return decision;
  }

  describe('allow', () => {
    it('allows a member on its own tenant route with exact string context and a policy for all its routes', async () => {
      // Prepare
      const authorizer = authorizerFor();
      const sub = 'b1f0a7c2-0000-4000-8000-00000000abcd';

      // Act
      const decision = verdict(
        await authorizer.authorize(request(`Bearer ${token({ sub, groups: ['tenant-member', 'auditor'] })}`)),
      );

      // Assess
      expect(decision.effect).toBe('Allow');
      // `auditor` is not a role group: the suite does not vouch for it, so the backend never sees it.
      expect(decision.context).toEqual({
        tenantId: 'acme',
        tier: 'standard',
        groups: 'tenant-member',
        sub,
        claimsVersion: '1',
      });
      expect(decision.policy).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: [
              arn('GET/tenants/acme/me'),
              arn('GET/tenants/acme/reports'),
              arn('POST/tenants/acme/documents'),
              arn('GET/tenants/acme/documents'),
              arn('GET/tenants/acme/documents/*'),
              arn('DELETE/tenants/acme/documents/*'),
              arn('POST/tenants/acme/documents/*/shares'),
              arn('GET/me/tenants'),
              arn('PUT/me/active-tenant'),
              arn('GET/health'),
              arn('GET/catalog'),
            ],
          },
          {
            Action: 'execute-api:Invoke',
            Effect: 'Deny',
            Resource: [...canonicalDenies(ARN_PREFIX), ...SPANS.map((pattern) => arn(pattern))],
          },
        ],
      });
      expect(decision.usageIdentifierKey).toBeUndefined();
    });

    it('gives a tenant admin every method under its own admin prefix and nothing under another tenant', async () => {
      // Prepare
      const authorizer = authorizerFor();
      const admin = `Bearer ${token({ groups: ['tenant-admin'] })}`;

      // Act
      const decision = verdict(await authorizer.authorize(request(admin, 'DELETE/tenants/acme/admin/users/42')));

      // Assess
      expect(decision.effect).toBe('Allow');
      const later = (resource: string) => policyEffect(decision.policy, arn(resource));
      expect(later('POST/tenants/acme/admin/users')).toBe('Allow');
      expect(later('GET/tenants/acme/me')).toBe('Allow');
      expect(later('POST/tenants/globex/admin/users')).toBe('Deny');
      expect(later('GET/tenants/globex/me')).toBe('Deny');
      expect(later('POST/tenants/acme/me')).toBe('Deny');
    });

    it('accepts the Bearer scheme in any letter case', async () => {
      // Prepare
      const authorizer = authorizerFor();
      const jwt = token();

      // Act
      const decisions = await Promise.all(
        ['bearer', 'BEARER', 'BeArEr'].map((scheme) => authorizer.authorize(request(`${scheme} ${jwt}`))),
      );

      // Assess
      expect(decisions.map((decision) => decision.effect)).toEqual(['Allow', 'Allow', 'Allow']);
    });

    it('accepts ID tokens instead of access tokens when configured for V1 pools', async () => {
      // Prepare
      const authorizer = authorizerFor({ TENANCY_TOKEN_USE: 'id' });

      // Act
      const idToken = await authorizer.authorize(request(`Bearer ${token({ tokenUse: 'id' })}`));
      const accessToken = await authorizer.authorize(request(`Bearer ${token({ tokenUse: 'access' })}`));

      // Assess
      expect(idToken.effect).toBe('Allow');
      expect(accessToken).toEqual({ effect: 'Unauthorized', reason: 'wrong-token-use' });
    });

    it("passes the caller tier's API key when per-tier keys are configured", async () => {
      // Prepare
      const authorizer = authorizerFor({
        TENANCY_TIER_API_KEYS:
          'free=free-key-000000000000000,standard=standard-key-0000000000,enterprise=enterprise-key-00000000',
      });

      // Act
      const decision = verdict(await authorizer.authorize(request(`Bearer ${token({ tier: 'standard' })}`)));

      // Assess
      expect(decision.usageIdentifierKey).toBe('standard-key-0000000000');
    });

    it('trusts several pools (silo model), each with its own keys', async () => {
      // Prepare
      const authorizer = authorizerFor({ TENANCY_USER_POOL_IDS: `${POOL_ID},${OTHER_POOL_ID}` });

      // Act
      const first = await authorizer.authorize(request(`Bearer ${token()}`));
      const second = await authorizer.authorize(request(`Bearer ${token({ poolId: OTHER_POOL_ID }, otherPoolKey)}`));

      // Assess
      expect([first.effect, second.effect]).toEqual(['Allow', 'Allow']);
    });
  });

  describe('deny (valid token, request not permitted)', () => {
    it.each([
      ['another tenant in the path', {}, 'GET/tenants/globex/me', 'tenant-mismatch'],
      [
        'a tenant-admin route without the group',
        { groups: ['tenant-member'] },
        'GET/tenants/acme/admin/x',
        'group-required',
      ],
      ['a tenant-admin route with no groups at all', { groups: null }, 'POST/tenants/acme/admin/x', 'group-required'],
      ['a standard-tier route on the free tier', { tier: 'free' }, 'GET/tenants/acme/reports', 'tier-required'],
      ['a route no rule names', {}, 'GET/tenants/acme/secrets', 'unknown-route'],
      ['a method the rule does not cover', {}, 'DELETE/health', 'unknown-route'],
    ] as const)('denies %s', async (_case, claims, resource, reason) => {
      // Prepare
      const authorizer = authorizerFor();

      // Act
      const decision = verdict(await authorizer.authorize(request(`Bearer ${token(claims)}`, resource)));

      // Assess
      expect(decision.effect).toBe('Deny');
      expect(decision.reason).toBe(reason);
      expect(policyEffect(decision.policy, arn(resource))).toBe('Deny');
    });

    it('keeps allowing the routes the token may use in the policy of a denial, so a cached denial blocks nothing else', async () => {
      // Prepare
      const authorizer = authorizerFor();

      // Act
      const decision = verdict(await authorizer.authorize(request(`Bearer ${token()}`, 'GET/tenants/globex/me')));

      // Assess
      expect(decision.policy.Statement).toEqual([
        expect.objectContaining({ Effect: 'Allow', Resource: expect.arrayContaining([arn('GET/tenants/acme/me')]) }),
        {
          Action: 'execute-api:Invoke',
          Effect: 'Deny',
          Resource: [
            ...canonicalDenies(ARN_PREFIX),
            ...SPANS.map((pattern) => arn(pattern)),
            arn('GET/tenants/globex/me'),
          ],
        },
      ]);
      expect(policyEffect(decision.policy, arn('GET/tenants/acme/me'))).toBe('Allow');
      expect(policyEffect(decision.policy, arn('GET/health'))).toBe('Allow');
    });

    it("denies when the request's tenantId path parameter is not the caller's tenant", async () => {
      // Prepare
      const authorizer = authorizerFor();

      // Act
      const decision = verdict(
        await authorizer.authorize({
          authorization: `Bearer ${token()}`,
          methodArn: arn('GET/tenants/acme/me'),
          pathParameters: { tenantId: 'globex' },
        }),
      );

      // Assess
      expect(decision).toMatchObject({ effect: 'Deny', reason: 'tenant-mismatch' });
    });

    it('denies every route of a caller whose tier is unknown to the configuration, except routes without a tier', async () => {
      // Prepare
      const authorizer = authorizerFor();

      // Act
      const decision = verdict(
        await authorizer.authorize(request(`Bearer ${token({ tier: 'platinum' })}`, 'GET/tenants/acme/reports')),
      );

      // Assess
      expect(decision).toMatchObject({ effect: 'Deny', reason: 'tier-required' });
      expect(policyEffect(decision.policy, arn('GET/tenants/acme/me'))).toBe('Allow');
    });

    it('denies the whole stage when the rules permit the caller nothing', async () => {
      // Prepare
      const authorizer = authorizerFor({
        TENANCY_ROLE_GROUPS: 'tenant-admin,tenant-member,platform-operator',
        TENANCY_ROUTES: JSON.stringify({ routes: [{ route: 'GET /ops', groups: ['platform-operator'] }] }),
      });

      // Act
      const decision = verdict(await authorizer.authorize(request(`Bearer ${token()}`, 'GET/ops')));

      // Assess
      expect(decision.effect).toBe('Deny');
      expect(decision.policy.Statement).toEqual([
        { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [`${ARN_PREFIX}*`] },
      ]);
    });
  });

  describe('unauthorized (401)', () => {
    it.each<[string, () => unknown, string]>([
      ['a missing header', () => undefined, 'malformed-authorization-header'],
      ['an empty header', () => '', 'malformed-authorization-header'],
      ['a header that is not a string', () => ['Bearer x.y.z'], 'malformed-authorization-header'],
      ['a bare token without the scheme', () => token(), 'malformed-authorization-header'],
      ['another scheme', () => `Basic ${token()}`, 'malformed-authorization-header'],
      ['two spaces after the scheme', () => `Bearer  ${token()}`, 'malformed-authorization-header'],
      ['a trailing space', () => `Bearer ${token()} `, 'malformed-authorization-header'],
      ['two tokens', () => `Bearer ${token()} ${token()}`, 'malformed-authorization-header'],
      [
        'two tokens separated by a comma',
        () => `Bearer ${token()},Bearer ${token()}`,
        'malformed-authorization-header',
      ],
      ['a scheme alone', () => 'Bearer', 'malformed-authorization-header'],
      ['non-ASCII characters', () => `Bearer ${token()}é`, 'malformed-authorization-header'],
      ['a non-ASCII lookalike scheme', () => `Веарер ${token()}`, 'malformed-authorization-header'],
      [
        'a huge header',
        () => `Bearer ${token({ extra: { pad: 'x'.repeat(20_000) } })}`,
        'malformed-authorization-header',
      ],
      [
        'a token of two parts',
        () => `Bearer ${token().split('.').slice(0, 2).join('.')}`,
        'malformed-authorization-header',
      ],
      ['garbage in JWT form', () => 'Bearer aaaa.bbbb.cccc', 'malformed-jwt'],
      [
        'a signature with non-zero spare bits (same bytes, other string)',
        () => `Bearer ${respell(token())}`,
        'malformed-authorization-header',
      ],
    ])('refuses %s', async (_case, header, reason) => {
      // Prepare
      const authorizer = authorizerFor();

      // Act
      const decision = await authorizer.authorize(request(header()));

      // Assess
      expect(decision).toEqual({ effect: 'Unauthorized', reason });
    });

    it.each<[string, () => string, string]>([
      [
        'an unsigned token (alg none) naming a real key',
        () => unsignedToken(cognitoClaims(), { kid: 'pool-key-1' }, 'c2ln'),
        'unsupported-algorithm',
      ],
      [
        'an unsigned token (alg none) without a key id',
        () => unsignedToken(cognitoClaims(), {}, 'c2ln'),
        'unknown-key',
      ],
      [
        'an HS256 token signed with the public key as secret',
        () =>
          signHs256(cognitoClaims(), poolKey.publicKey.export({ type: 'spki', format: 'pem' }), { kid: 'pool-key-1' }),
        'unsupported-algorithm',
      ],
      [
        'an HS256 token signed with the public key of a JWK that has no alg',
        () => signHs256(cognitoClaims(), publicPem(algLessKey), { kid: 'no-alg-key' }),
        'unsupported-algorithm',
      ],
      [
        'a token naming an unknown key id',
        () => signRs256(cognitoClaims(), poolKey, { kid: 'rotated-away' }),
        'unknown-key',
      ],
      [
        'a token signed by another key under a known key id',
        () => signRs256(cognitoClaims(), { ...otherPoolKey, kid: 'pool-key-1' }),
        'bad-signature',
      ],
      [
        'a token with a tampered payload',
        () => tamper(token({ tenantId: 'acme' }), { tenantId: 'globex' }),
        'bad-signature',
      ],
      [
        'a token with a tampered group claim',
        () => tamper(token(), { 'cognito:groups': ['tenant-admin'] }),
        'bad-signature',
      ],
      ['a token from another pool', () => token({ poolId: OTHER_POOL_ID }, otherPoolKey), 'wrong-issuer'],
      [
        'a token without an issuer',
        () => signRs256(cognitoClaims({ extra: { iss: undefined } }), poolKey),
        'wrong-issuer',
      ],
      ['a token for another app client', () => token({ clientId: OTHER_CLIENT_ID }), 'wrong-client'],
      ['an ID token where access tokens are required', () => token({ tokenUse: 'id' }), 'wrong-token-use'],
      ['an expired token', () => token({ expiresIn: -5 }), 'expired'],
      ['a token that is not valid yet', () => token({ notBefore: 600 }), 'not-yet-valid'],
      [
        'a token without an expiry',
        () => signRs256(cognitoClaims({ extra: { exp: undefined } }), poolKey),
        'missing-exp-claim',
      ],
      ['a token without the tenant claim', () => token({ tenantId: null }), 'missing-tenant-claim'],
      ['a token whose tenant claim is a wildcard', () => token({ tenantId: '*' }), 'invalid-tenant-claim'],
      [
        'a token whose tenant claim is not a string',
        () => token({ extra: { tenantId: ['acme'] } }),
        'invalid-tenant-claim',
      ],
      ['a token without the tier claim', () => token({ tier: null }), 'missing-tier-claim'],
      [
        'a token whose groups claim is not a list',
        () => token({ extra: { 'cognito:groups': 'tenant-admin' } }),
        'invalid-groups-claim',
      ],
    ])('refuses %s', async (_case, jwt, reason) => {
      // Prepare
      const authorizer = authorizerFor();

      // Act
      const decision = await authorizer.authorize(request(`Bearer ${jwt()}`));

      // Assess
      expect(decision).toEqual({ effect: 'Unauthorized', reason });
    });

    it.each([
      ['missing', undefined],
      ['not an execute-api ARN', 'arn:aws:lambda:us-east-1:123456789012:function:x'],
      ['a wildcard stage', 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*/GET/tenants/acme/me'],
      ['a wildcard API id', 'arn:aws:execute-api:us-east-1:123456789012:*/prod/GET/tenants/acme/me'],
    ])('refuses a method ARN that is %s', async (_case, methodArn) => {
      // Prepare
      const authorizer = authorizerFor();

      // Act
      const decision = await authorizer.authorize({ authorization: `Bearer ${token()}`, methodArn });

      // Assess
      expect(decision).toEqual({ effect: 'Unauthorized', reason: 'malformed-method-arn' });
    });

    it('reads the tenant from the configured claim name, not from a same-named default claim', async () => {
      // Prepare
      const authorizer = authorizerFor({ TENANCY_TENANT_ID_CLAIM: 'org' });

      // Act
      const withDefaultOnly = await authorizer.authorize(request(`Bearer ${token()}`));
      const withConfigured = await authorizer.authorize(request(`Bearer ${token({ extra: { org: 'acme' } })}`));

      // Assess
      expect(withDefaultOnly).toEqual({ effect: 'Unauthorized', reason: 'missing-tenant-claim' });
      expect(withConfigured.effect).toBe('Allow');
    });
  });

  describe('verified-token memo', () => {
    it('skips the signature check for a repeated token and checks a new token', async () => {
      // Prepare
      const { authorizer, verifications } = countingAuthorizer();
      const jwt = token();

      // Act
      const decisions = [
        await authorizer.authorize(request(`Bearer ${jwt}`)),
        await authorizer.authorize(request(`Bearer ${jwt}`, 'GET/health')),
        await authorizer.authorize(request(`Bearer ${token()}`)),
      ];

      // Assess
      expect(decisions.map((decision) => decision.effect)).toEqual(['Allow', 'Allow', 'Allow']);
      expect(verifications()).toBe(2);
    });

    it('serves a memoized token only behind a well-formed Bearer header', async () => {
      // Prepare
      const authorizer = authorizerFor();
      const jwt = token();
      await authorizer.authorize(request(`Bearer ${jwt}`));

      // Act
      const decisions = await Promise.all(
        [`bEaReR ${jwt}`, `Bearer ${jwt} `, `Bearer  ${jwt}`, `Bearer-${jwt}`, `Bearer ${jwt}x`].map((header) =>
          authorizer.authorize(request(header)),
        ),
      );

      // Assess
      expect(decisions.map((decision) => decision.effect)).toEqual([
        'Allow',
        'Unauthorized',
        'Unauthorized',
        'Unauthorized',
        'Unauthorized',
      ]);
    });

    it('never serves a memoized token after its expiry', async () => {
      // Prepare
      vi.useFakeTimers({ toFake: ['Date'] });
      const authorizer = authorizerFor();
      const jwt = token({ expiresIn: 60 });
      const first = await authorizer.authorize(request(`Bearer ${jwt}`));

      // Act
      vi.setSystemTime(Date.now() + 61_000);
      const later = await authorizer.authorize(request(`Bearer ${jwt}`));

      // Assess
      expect(first.effect).toBe('Allow');
      expect(later).toEqual({ effect: 'Unauthorized', reason: 'expired' });
    });

    it('does not remember refusals: a token refused once is checked again', async () => {
      // Prepare
      const { authorizer, verifications } = countingAuthorizer();
      const jwt = token({ clientId: OTHER_CLIENT_ID });

      // Act
      await authorizer.authorize(request(`Bearer ${jwt}`));
      await authorizer.authorize(request(`Bearer ${jwt}`));

      // Assess
      expect(verifications()).toBe(2);
    });

    it('checks every request when the memo is turned off', async () => {
      // Prepare
      const { authorizer, verifications } = countingAuthorizer({ TENANCY_TOKEN_MEMO_SIZE: '0' });
      const jwt = token();

      // Act
      await authorizer.authorize(request(`Bearer ${jwt}`));
      await authorizer.authorize(request(`Bearer ${jwt}`));

      // Assess
      expect(verifications()).toBe(2);
    });
  });

  it('fetches the JWKS from the injected loopback location and answers Unauthorized when it is unreachable', async () => {
    // Prepare
    const unreachable = authorizerFor({ TENANCY_JWKS_URI: 'http://127.0.0.1:9/{userPoolId}/.well-known/jwks.json' });
    const before = server.requests();
    const fresh = authorizerFor();

    // Act
    const refused = await unreachable.authorize(request(`Bearer ${token()}`));
    const allowed = await fresh.authorize(request(`Bearer ${token()}`));

    // Assess
    expect(refused).toEqual({ effect: 'Unauthorized', reason: 'jwks-unavailable' });
    expect(allowed.effect).toBe('Allow');
    expect(server.requests()).toBeGreaterThan(before);
  });
});

function publicPem(key: SigningKey): string {
  return createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' }).toString();
}

/** The same token spelt differently: the signature's last character with its spare low bit flipped. */
function respell(jwt: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(jwt.charAt(jwt.length - 1));
  return jwt.slice(0, -1) + alphabet.charAt(last ^ 1);
}

/** Re-encodes a token's payload with changed claims, keeping the original header and signature. */
function tamper(jwt: string, changes: Record<string, unknown>): string {
  const [header = '', payload = '', signature = ''] = jwt.split('.');
  const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')), ...changes };
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}
