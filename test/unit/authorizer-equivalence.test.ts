import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PolicyDocument, policyEffect } from '../../shared/authorizer/authorization-policy';
import { Authorizer, type Decision } from '../../shared/authorizer/authorize';
import { authorizerConfigFromEnv } from '../../shared/authorizer/authorizer-config';
import { CONFUSABLE_SEPARATORS, NFKC_LOOKALIKES } from '../../shared/authorizer/request-path';
import { HTTP_METHODS, type RouteRule } from '../../shared/authorizer/route-rules';
import { createCognitoJwtVerifier, TokenVerifier } from '../../shared/authorizer/token-verifier';
import { useJwksServer } from '../support/jwks-server';
import { ARN_PREFIX, CLIENT_ID, cognitoClaims, createSigningKey, POOL_ID, signRs256 } from '../support/jwt';

const arn = (resource: string) => `${ARN_PREFIX}${resource}`;
const DOCUMENT_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

// Every encoding family of issue 19 (dot and parameter escapes, malformed, overlong, four-byte and IIS `%u`
// encodings, NFKC and confusable look-alikes), the older families, and the words of the bundled routes.
const FAMILIES = [
  '..',
  '.',
  '..;',
  '..;x=1',
  '..%3b',
  '..%3B',
  '%2e%2e',
  '%2E',
  '%252e',
  '%2f',
  '%5c',
  '%zz',
  '%80',
  '%C2',
  '%c2%ae',
  '%F0%80%80%AE',
  '%E0%80%AE',
  '%C0%AE',
  '%u002e',
  '%U002F',
  '%',
  '%0',
  '\\',
  ';',
  '\0',
  '\n',
  '',
  '℀',
  '∕',
  '⁄',
  '．．',
  '⒈',
  'é',
  '*',
  '?',
  ...NFKC_LOOKALIKES,
  ...CONFUSABLE_SEPARATORS,
];
const WORDS = ['tenants', 'acme', 'globex', 'me', 'admin', 'users', 'documents', DOCUMENT_ID, 'shares', 'reports'];
const WORDS_MORE = [...WORDS, 'health', 'catalog', 'a', 'b', 'c', 'x', '{tenantId}'];

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FAMILIES) },
  { weight: 4, arbitrary: fc.constantFrom(...WORDS_MORE) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: fc.constantFrom('.', '%', ';', '/', '2', 'e', 'E', 'f', 'u', '∕'), maxLength: 6 }),
  },
);
// A segment is one piece or a random mix of several.
const segment = fc.array(piece, { minLength: 1, maxLength: 3 }).map((pieces) => pieces.join(''));
// Paths start like the routes (so that some are allowed), then wander off.
const start = fc.constantFrom(
  ['tenants', 'acme'],
  ['tenants', 'acme', 'admin'],
  ['tenants', 'acme', 'documents'],
  ['tenants', 'acme', 'documents', DOCUMENT_ID],
  ['tenants', 'globex'],
  ['health'],
  [],
);
const path = fc
  .tuple(start, fc.array(fc.oneof(segment, fc.constantFrom(...WORDS)), { maxLength: 4 }))
  .map(([head, tail]) => `/${[...head, ...tail].join('/')}`);
const method = fc.constantFrom(...HTTP_METHODS, 'TRACE');
const request = fc.tuple(method, path).map(([verb, route]) => `${verb}${route}`);

/** An independent reading of the route rules: segments compared one by one, a {param} is one segment. */
function segmentwiseAllows(rules: readonly RouteRule[], resource: string, tenantId: string): boolean {
  const slash = resource.indexOf('/');
  const verb = resource.slice(0, slash);
  const segments = resource.slice(slash + 1).split('/');
  return rules.some((rule) => {
    if (!(rule.methods as readonly string[]).includes(verb)) return false;
    if (rule.segments.length === 0) return resource === `${verb}/`;
    return rule.segments.every((part, index) => {
      const value = segments[index];
      if (value === undefined || value === '') return false;
      if (part.kind === 'rest') return index === rule.segments.length - 1;
      if (index === rule.segments.length - 1 && segments.length !== rule.segments.length) return false;
      if (part.kind === 'literal') return value === part.value;
      if (part.kind === 'tenant') return value === tenantId;
      return true;
    });
  });
}

describe('cached policy and fresh check agree', () => {
  const key = createSigningKey('equivalence-key');
  const server = useJwksServer({ [POOL_ID]: [key] });
  let authorizer: Authorizer;
  let rules: readonly RouteRule[];

  beforeAll(() => {
    const config = authorizerConfigFromEnv({
      TENANCY_USER_POOL_IDS: POOL_ID,
      TENANCY_CLIENT_IDS: CLIENT_ID,
      TENANCY_JWKS_URI: server.template,
    });
    const verifier = new TokenVerifier(createCognitoJwtVerifier(config), config.claimNames, 10, config.roleGroups);
    authorizer = new Authorizer({ verifier, routes: config.routes, tiers: config.tiers });
    rules = config.routes.rules;
  });

  it('allows, by the policy cached from one request, exactly what a fresh check allows, over 100,000 generated paths of a member and an admin', async () => {
    // Prepare
    const callers = await Promise.all(
      [['tenant-member'], ['tenant-admin']].map(async (groups) => {
        const authorization = `Bearer ${signRs256(cognitoClaims({ groups }), key)}`;
        const first = await authorizer.authorize({ authorization, methodArn: arn('GET/tenants/acme/me') });
        if (first.effect !== 'Allow') throw new Error(`the first request must be allowed, got ${first.effect}`);
        const cached: PolicyDocument = first.policy;
        const permitted = rules.filter(
          (rule) => rule.groups.length === 0 || rule.groups.some((group) => groups.includes(group)),
        );
        return { authorization, cached, permitted };
      }),
    );
    const batches = fc.sample(fc.array(request, { minLength: 100, maxLength: 100 }), { numRuns: 1000, seed: 19 });
    const disagreements: string[] = [];
    let checked = 0;
    let allowed = 0;

    // Act
    for (const batch of batches) {
      for (const resource of batch) {
        const caller = callers[checked % 2];
        if (caller === undefined) throw new Error('two callers');
        const { authorization, cached, permitted } = caller;
        const fresh: Decision = await authorizer.authorize({ authorization, methodArn: arn(resource) });
        const freshAllows = fresh.effect === 'Allow';
        const cachedAllows = policyEffect(cached, arn(resource)) === 'Allow';
        const ownPolicyAllows =
          fresh.effect !== 'Unauthorized' && policyEffect(fresh.policy, arn(resource)) === 'Allow';
        const canonical = fresh.effect !== 'Unauthorized' && fresh.reason !== 'non-canonical-path';
        const oracle = canonical && segmentwiseAllows(permitted, resource, 'acme');
        if (cachedAllows !== freshAllows || ownPolicyAllows !== freshAllows || oracle !== freshAllows) {
          disagreements.push(
            `${JSON.stringify(resource)} fresh=${fresh.effect} cached=${cachedAllows} oracle=${oracle}`,
          );
        }
        checked++;
        if (freshAllows) allowed++;
      }
    }

    // Assess
    expect(disagreements.slice(0, 20)).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(100_000);
    // (The time limit above is only a bound for a stuck run: about 20 s on an idle core, minutes under heavy load.)
    // The generator reaches both sides: a property over denials only would prove nothing about the Allow.
    expect(allowed).toBeGreaterThan(1000);
    expect(checked - allowed).toBeGreaterThan(1000);
  }, 600_000);
});
