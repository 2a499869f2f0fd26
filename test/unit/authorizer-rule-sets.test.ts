import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  POLICY_BYTE_BUDGET,
  type PolicyDocument,
  policyBytes,
  policyEffect,
} from '../../shared/authorizer/authorization-policy';
import { Authorizer } from '../../shared/authorizer/authorize';
import { authorizerConfigFromEnv } from '../../shared/authorizer/authorizer-config';
import { HTTP_METHODS, parseRouteRules, type RouteRule, type RouteRules } from '../../shared/authorizer/route-rules';
import { createCognitoJwtVerifier, TokenVerifier } from '../../shared/authorizer/token-verifier';
import { DEFAULT_TIERS } from '../../shared/registry/tiers';
import { useJwksServer } from '../support/jwks-server';
import { ARN_PREFIX, CLIENT_ID, cognitoClaims, createSigningKey, POOL_ID, signRs256 } from '../support/jwt';

const arn = (resource: string) => `${ARN_PREFIX}${resource}`;
const GROUPS = ['tenant-admin', 'tenant-member'] as const;
const LITERALS = ['a', 'b', 'me', 'docs'];
const SHARED_STARTS = ['health', 'x'];

/** An independent reading of route rules: segments compared one by one, a {param} is one segment. */
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

function meets(rule: RouteRule, groups: readonly string[], tier: string): boolean {
  const groupOk = rule.groups.length === 0 || rule.groups.some((group) => groups.includes(group));
  const tierOk = rule.minimumTier === undefined || DEFAULT_TIERS.rank(tier) >= DEFAULT_TIERS.rank(rule.minimumTier);
  return groupOk && tierOk;
}

// A rule: a method (or `*`), a tenant route under /tenants/{tenantId} or a shared one, literals and parameters
// from a small vocabulary (so generated paths hit them), maybe a final wildcard, maybe a group or a tier.
const tail = fc.array(
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...LITERALS) }, { weight: 1, arbitrary: fc.constant('{p}') }),
  { maxLength: 3 },
);
const ruleSpec = fc.record({
  method: fc.constantFrom('*', 'GET', 'POST', 'DELETE'),
  tenant: fc.boolean(),
  shared: fc.constantFrom(...SHARED_STARTS),
  tail,
  rest: fc.boolean(),
  group: fc.option(fc.constantFrom(...GROUPS), { nil: undefined }),
  tier: fc.option(fc.constantFrom('standard', 'enterprise'), { nil: undefined }),
});
type RuleSpec = typeof ruleSpec extends fc.Arbitrary<infer T> ? T : never;

function ruleOf(spec: RuleSpec): Record<string, unknown> {
  // Parameters get distinct names (a rule may not repeat one).
  const tailSegments = spec.tail.map((part, index) => (part === '{p}' ? `{p${index}}` : part));
  const head = spec.tenant ? ['tenants', '{tenantId}'] : [spec.shared];
  const path = `/${[...head, ...tailSegments, ...(spec.rest ? ['*'] : [])].join('/')}`;
  return {
    route: `${spec.method} ${path}`,
    ...(spec.group === undefined ? {} : { groups: [spec.group] }),
    ...(spec.tier === undefined ? {} : { minimumTier: spec.tier }),
  };
}

/** Keeps each generated rule that the rule file's checks accept next to the ones kept before it. */
function acceptedRules(specs: readonly RuleSpec[]): RouteRules | undefined {
  const kept: Record<string, unknown>[] = [];
  let parsed: RouteRules | undefined;
  for (const spec of specs) {
    const candidate = [...kept, ruleOf(spec)];
    try {
      parsed = parseRouteRules({ routes: candidate }, DEFAULT_TIERS);
      kept.push(ruleOf(spec));
    } catch {
      // refused (a repeated route, an overlap of a one-segment Deny): left out, as a deployment would have to
    }
  }
  return parsed;
}

const piece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...LITERALS, 'tenants', 'acme', 'globex', ...SHARED_STARTS, 'zz') },
  { weight: 1, arbitrary: fc.constantFrom('..', '.', '', '%2e', ';', '*', '?', '∕') },
);
const path = fc.array(piece, { maxLength: 6 }).map((segments) => `/${segments.join('/')}`);
const request = fc.tuple(fc.constantFrom(...HTTP_METHODS), path).map(([verb, route]) => `${verb}${route}`);

/** A concrete request resource for a rule and tenant (every parameter and wildcard filled with one word). */
function concrete(rule: RouteRule, tenantId: string): string {
  const method = rule.methods[0] ?? 'GET';
  const segments = rule.segments.map((segment) =>
    segment.kind === 'literal' ? segment.value : segment.kind === 'tenant' ? tenantId : 'v1',
  );
  return `${method}/${segments.join('/')}`;
}

describe('compiled rules and cached entitlements agree with the policy over generated rule sets', () => {
  const key = createSigningKey('rule-sets-key');
  const server = useJwksServer({ [POOL_ID]: [key] });
  let verifier: TokenVerifier;

  beforeAll(() => {
    const config = authorizerConfigFromEnv({
      TENANCY_USER_POOL_IDS: POOL_ID,
      TENANCY_CLIENT_IDS: CLIENT_ID,
      TENANCY_JWKS_URI: server.template,
    });
    verifier = new TokenVerifier(createCognitoJwtVerifier(config), config.claimNames, 100, config.roleGroups);
  });

  /**
   * For each request: the fresh decision equals the segment-wise oracle and the request's own policy; the
   * policy cached from the caller's first allowed request equals the fresh decision when it is stage-wide, and
   * never allows what the fresh decision denies when the stage-wide one was over the budget.
   */
  async function disagreements(
    routes: RouteRules,
    requests: readonly string[],
    scoped = { count: 0 },
  ): Promise<string[]> {
    const authorizer = new Authorizer({ verifier, routes, tiers: DEFAULT_TIERS });
    const found: string[] = [];
    for (const [groups, tier] of [
      [['tenant-member'], 'free'],
      [['tenant-admin'], 'standard'],
      [['tenant-admin', 'tenant-member'], 'enterprise'],
    ] as const) {
      const authorization = `Bearer ${signRs256(cognitoClaims({ groups: [...groups], tier }), key)}`;
      const permitted = routes.rules.filter((rule) => meets(rule, groups, tier));
      const first = permitted[0];
      let cached: PolicyDocument | undefined;
      if (first !== undefined) {
        const decision = await authorizer.authorize({ authorization, methodArn: arn(concrete(first, 'acme')) });
        if (decision.effect !== 'Allow') return [`first request ${concrete(first, 'acme')} was ${decision.effect}`];
        cached = decision.policy;
      }
      // A stage-wide policy covers every permitted route; a route-scoped one (over the budget) does not.
      const stageWide =
        cached !== undefined &&
        permitted.every((rule) => policyEffect(cached, arn(concrete(rule, 'acme'))) === 'Allow');
      if (!stageWide) scoped.count++;
      for (const resource of requests) {
        const fresh = await authorizer.authorize({ authorization, methodArn: arn(resource) });
        const freshAllows = fresh.effect === 'Allow';
        const own = fresh.effect !== 'Unauthorized' && policyEffect(fresh.policy, arn(resource)) === 'Allow';
        const canonical = fresh.effect !== 'Unauthorized' && fresh.reason !== 'non-canonical-path';
        const oracle = canonical && segmentwiseAllows(permitted, resource, 'acme');
        const cachedAllows = cached !== undefined && policyEffect(cached, arn(resource)) === 'Allow';
        const cacheAgrees = stageWide ? cachedAllows === freshAllows : !cachedAllows || freshAllows;
        if (own !== freshAllows || oracle !== freshAllows || !cacheAgrees) {
          found.push(`${groups}/${tier} ${JSON.stringify(resource)} fresh=${fresh.effect} cached=${cachedAllows}`);
        }
        if (fresh.effect !== 'Unauthorized' && policyBytes(fresh.policy) > POLICY_BYTE_BUDGET) {
          found.push(`${JSON.stringify(resource)}: a policy of ${policyBytes(fresh.policy)} bytes`);
        }
      }
    }
    return found;
  }

  it('decides every generated request of 300 generated rule sets as the policy and the segment-wise oracle do', async () => {
    // Prepare
    const sets = fc.sample(
      fc.tuple(
        fc.array(ruleSpec, { minLength: 1, maxLength: 25 }),
        fc.array(request, { minLength: 60, maxLength: 60 }),
      ),
      { numRuns: 300, seed: 22 },
    );
    const found: string[] = [];
    let checked = 0;

    // Act
    for (const [specs, requests] of sets) {
      const routes = acceptedRules(specs);
      if (routes === undefined) continue;
      const permittedRequests = routes.rules.map((rule) => concrete(rule, 'acme'));
      found.push(...(await disagreements(routes, [...requests, ...permittedRequests])));
      checked++;
    }

    // Assess
    expect(found.slice(0, 10)).toEqual([]);
    expect(checked).toBeGreaterThan(250);
  }, 600_000);

  it('keeps 1,000 rules correct: a fresh decision per request, and a route-scoped policy within the budget when the stage-wide one would exceed it', async () => {
    // Prepare: 1,000 rules under the tenant prefix, every one open to every caller.
    const routes = parseRouteRules(
      {
        routes: Array.from({ length: 1000 }, (_, index) => ({
          route: index % 2 === 0 ? `GET /tenants/{tenantId}/r${index}/{id}` : `* /tenants/{tenantId}/r${index}/*`,
        })),
      },
      DEFAULT_TIERS,
    );
    const requests = fc.sample(
      fc
        .tuple(
          fc.constantFrom(...HTTP_METHODS),
          fc.constantFrom('acme', 'globex'),
          fc.integer({ min: 0, max: 1001 }),
          fc.array(fc.constantFrom('v', 'w', '..', '', '%2f'), { maxLength: 3 }),
        )
        .map(([verb, tenant, index, rest]) => `${verb}/tenants/${tenant}/r${index}${['', ...rest].join('/')}`),
      { numRuns: 3000, seed: 22 },
    );

    const scoped = { count: 0 };

    // Act
    const found = await disagreements(routes, requests, scoped);

    // Assess
    expect(found.slice(0, 10)).toEqual([]);
    // All three callers got route-scoped policies: the stage-wide one (1,000 routes) is far over the budget.
    expect(scoped.count).toBe(3);
  }, 600_000);
});
