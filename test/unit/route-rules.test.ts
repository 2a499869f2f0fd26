import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import bundledRoutes from '../../config/routes.json' with { type: 'json' };
import {
  callerMeetsRule,
  checkRouteTiers,
  parseRouteRules,
  parseRouteRulesJson,
  patternsIntersect,
  type RouteRule,
  ruleMatches,
  ruleResources,
  ruleSpans,
  validateRouteRules,
} from '../../shared/authorizer/route-rules';
import { DEFAULT_TIERS, parseTiers } from '../../shared/registry/tiers';
import { ConfigurationError } from '../../shared/runtime/errors';

const rules = (...routes: object[]) => ({ routes });
const parse = (input: unknown) => parseRouteRules(input, DEFAULT_TIERS);
const only = (input: unknown): RouteRule => {
  const [rule] = parse(input).rules;
  if (rule === undefined) throw new Error('no rule');
  return rule;
};

describe('route rules', () => {
  describe('parsing', () => {
    it('accepts exactly the Cognito group names (letters, marks, symbols, numbers, punctuation; 1-128)', () => {
      // Prepare: names over all of Unicode, near-ASCII and at the length limits.
      const cognitoGroupName = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;
      const names = fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 130 }),
        fc.string({ unit: 'binary', maxLength: 130 }),
        fc.string({ minLength: 127, maxLength: 129 }),
        fc.constantFrom('équipe', '管理者', 'admin team', 'tab\tname', 'zero\u200bwidth', '\u{1F600}', 'x'.repeat(128)),
      );

      // Act & Assess
      fc.assert(
        fc.property(names, (name) => {
          const accepted = (() => {
            try {
              parse(rules({ route: 'GET /health', groups: [name] }));
              return true;
            } catch (error) {
              if (!(error instanceof ConfigurationError)) throw error;
              return false;
            }
          })();
          expect(accepted).toBe(cognitoGroupName.test(name));
        }),
        { numRuns: 2000 },
      );
    });

    it('accepts the bundled config/routes.json and finds its tenant prefix', () => {
      // Act
      const parsed = parse(bundledRoutes);

      // Assess
      expect(parsed.tenantPrefix).toEqual(['tenants']);
      expect(parsed.rules.map((rule) => [rule.route, rule.tenantScoped, rule.groups, rule.minimumTier])).toEqual([
        ['GET /tenants/{tenantId}/me', true, [], undefined],
        ['* /tenants/{tenantId}/admin/*', true, ['tenant-admin'], undefined],
        ['GET /tenants/{tenantId}/reports', true, [], 'standard'],
        ['POST /tenants/{tenantId}/documents', true, [], undefined],
        ['GET /tenants/{tenantId}/documents', true, [], undefined],
        ['GET /tenants/{tenantId}/documents/{documentId}', true, [], undefined],
        ['DELETE /tenants/{tenantId}/documents/{documentId}', true, [], undefined],
        ['POST /tenants/{tenantId}/documents/{documentId}/shares', true, [], undefined],
        ['GET /me/tenants', false, [], undefined],
        ['PUT /me/active-tenant', false, [], undefined],
        ['POST /tenants/{tenantId}/members', true, ['tenant-admin'], undefined],
        ['PUT /tenants/{tenantId}/members/{sub}', true, ['tenant-admin'], undefined],
        ['DELETE /tenants/{tenantId}/members/{sub}', true, ['tenant-admin'], undefined],
        ['GET /health', false, [], undefined],
        ['GET /catalog', false, [], undefined],
      ]);
    });

    it('parses JSON text and reports invalid JSON as a configuration error', () => {
      // Act
      const parsed = parseRouteRulesJson('{"routes":[{"route":"GET /health"}]}', DEFAULT_TIERS);
      const broken = () => parseRouteRulesJson('{"routes": [', DEFAULT_TIERS);

      // Assess
      expect(parsed.rules).toHaveLength(1);
      expect(broken).toThrow(ConfigurationError);
      expect(broken).toThrow(/TENANCY_ROUTES: route rules are not valid JSON/);
    });

    it.each([
      ['a non-object', [], /JSON object/],
      ['an empty route list', rules(), /1-1000 rules/],
      ['an unknown top-level key', { routes: [{ route: 'GET /health' }], rutes: [] }, /unknown key "rutes"/],
      ['an unknown rule key (a misspelt requirement)', rules({ route: 'GET /health', minTier: 'free' }), /minTier/],
      ['a route without a method', rules({ route: '/health' }), /not "METHOD \/path"/],
      ['an unknown method', rules({ route: 'FETCH /health' }), /unknown method "FETCH"/],
      ['a lowercase method', rules({ route: 'get /health' }), /not "METHOD \/path"/],
      ['a path segment with a wildcard inside', rules({ route: 'GET /heal*' }), /invalid path segment/],
      ['a query string', rules({ route: 'GET /health?x=1' }), /invalid path segment/],
      ['an empty path segment', rules({ route: 'GET /tenants//me' }), /invalid path segment/],
      ['a rest segment that is not last', rules({ route: 'GET /files/*/meta' }), /only be the last segment/],
      ['a repeated parameter', rules({ route: 'GET /a/{id}/b/{id}' }), /appears twice/],
      ['an unknown minimum tier', rules({ route: 'GET /health', minimumTier: 'platinum' }), /platinum/],
      ['an empty group list', rules({ route: 'GET /health', groups: [] }), /group names/],
      ['a group that is not a string', rules({ route: 'GET /health', groups: [7] }), /group names/],
      ['a duplicate route', rules({ route: 'GET /health' }, { route: '* /health' }), /repeats GET \/health/],
      ['a tenant id without a literal before it', rules({ route: 'GET /{tenantId}/me' }), /literal segments/],
      ['a wildcard before the tenant id', rules({ route: 'GET /x/{region}/{tenantId}' }), /literal segments/],
      [
        'two different tenant prefixes',
        rules({ route: 'GET /tenants/{tenantId}/me' }, { route: 'GET /orgs/{tenantId}/me' }),
        /same prefix \/tenants/,
      ],
      ['a shared route starting with a parameter', rules({ route: 'GET /{page}' }), /start with a literal/],
      [
        'a parameter followed by a literal in a rule ending in a wildcard',
        rules({ route: 'GET /files/{folder}/meta/*' }),
        /cannot end in a wildcard/,
      ],
      [
        'a route a parameter of another route would reach over a segment',
        rules({ route: 'GET /items/{id}' }, { route: 'GET /items/{id2}/parts' }),
        /overlap where a \{parameter\} would span/,
      ],
      [
        'a wildcard route a parameter span would take away',
        rules({ route: 'GET /files/{name}/meta' }, { route: 'GET /files/*' }),
        /overlap where a \{parameter\} would span/,
      ],
    ])('rejects %s', (_case, input, message) => {
      // Act
      const act = () => parse(input);

      // Assess
      expect(act).toThrow(ConfigurationError);
      expect(act).toThrow(message);
    });

    it.each([
      ['a wildcard over the tenant prefix', '* /tenants/*'],
      ['a parameter at the tenant position', 'GET /tenants/{anyTenant}/me'],
      ['a literal at the tenant position', 'GET /tenants/public/me'],
      ['a literal tenant position followed by a wildcard', 'GET /tenants/public/{file}'],
    ])('rejects a shared route that could reach tenant paths: %s', (_case, route) => {
      // Prepare
      const input = rules({ route: 'GET /tenants/{tenantId}/me' }, { route });

      // Act
      const act = () => parse(input);

      // Assess
      expect(act).toThrow(/may not overlap the tenant routes/);
    });

    it('accepts shared routes beside the tenant prefix, including a listing at the prefix itself', () => {
      // Prepare
      const input = rules(
        { route: 'GET /tenants/{tenantId}/me' },
        { route: 'GET /tenants' },
        { route: 'GET /catalog/{item}' },
        { route: 'GET /' },
      );

      // Act
      const parsed = parse(input);

      // Assess
      expect(parsed.rules.filter((rule) => !rule.tenantScoped)).toHaveLength(3);
    });
  });

  describe('tiers, checked apart from the rest', () => {
    it('validates a minimum tier of any name without the tiers, and refuses it once the configured tiers lack it', () => {
      // Prepare
      const input = rules({ route: 'GET /health' }, { route: 'GET /reports', minimumTier: 'platinum' });
      const withPlatinum = parseTiers('free=5,platinum=50');

      // Act
      const validated = validateRouteRules(input, 'TENANCY_ROUTES');

      // Assess
      expect(checkRouteTiers(validated, withPlatinum, 'TENANCY_ROUTES')).toBe(validated);
      expect(() => checkRouteTiers(validated, DEFAULT_TIERS, 'TENANCY_ROUTES')).toThrow(
        new ConfigurationError(
          'routes[1].minimumTier "platinum" is not a configured tier (free, standard, enterprise)',
          'TENANCY_ROUTES',
        ),
      );
    });

    it('refuses a minimum tier that is not a string before any tier is known', () => {
      // Act / Assess
      expect(() => validateRouteRules(rules({ route: 'GET /health', minimumTier: 3 }), 'TENANCY_ROUTES')).toThrow(
        /routes\[0\]\.minimumTier 3 is not a tier name/,
      );
    });
  });
  describe('resources and matching', () => {
    it('writes a tenant route as IAM resources of that tenant, one per method, parameters as wildcards', () => {
      // Prepare
      const items = only(rules({ route: 'GET /tenants/{tenantId}/items/{itemId}/parts' }));
      const admin = only(rules({ route: '* /tenants/{tenantId}/admin/{proxy+}' }));

      // Act
      const itemResources = ruleResources(items, 'acme');
      const adminResources = ruleResources(admin, 'acme');

      // Assess
      expect(itemResources).toEqual(['GET/tenants/acme/items/*/parts']);
      expect(adminResources).toEqual([
        'GET/tenants/acme/admin/*',
        'POST/tenants/acme/admin/*',
        'PUT/tenants/acme/admin/*',
        'PATCH/tenants/acme/admin/*',
        'DELETE/tenants/acme/admin/*',
        'HEAD/tenants/acme/admin/*',
        'OPTIONS/tenants/acme/admin/*',
      ]);
    });

    it('writes the root route as the stage root', () => {
      // Prepare
      const root = only(rules({ route: 'GET /' }));

      // Act
      const resources = ruleResources(root, 'acme');

      // Assess
      expect(resources).toEqual(['GET/']);
    });

    it("matches a tenant route only under the caller's own tenant and only with a covered method", () => {
      // Prepare
      const me = only(rules({ route: 'GET /tenants/{tenantId}/me' }));

      // Act
      const own = ruleMatches(me, 'GET/tenants/acme/me', 'acme');
      const other = ruleMatches(me, 'GET/tenants/globex/me', 'acme');
      const prefixOfOther = ruleMatches(me, 'GET/tenants/acme-x/me', 'acme');
      const post = ruleMatches(me, 'POST/tenants/acme/me', 'acme');

      // Assess
      expect([own, other, prefixOfOther, post]).toEqual([true, false, false, false]);
    });

    it('keeps a {param} to one segment: the span of each parameter is denied, a final wildcard still spans', () => {
      // Prepare
      const shares = only(rules({ route: 'POST /tenants/{tenantId}/documents/{documentId}/shares' }));
      const files = only(rules({ route: 'GET /tenants/{tenantId}/files/{folder}/*' }));

      // Act
      const spans = [ruleSpans(shares, 'acme'), ruleSpans(files, 'acme')];
      const matches = [
        ruleMatches(shares, 'POST/tenants/acme/documents/d1/shares', 'acme'),
        ruleMatches(shares, 'POST/tenants/acme/documents/a/b/c/shares', 'acme'),
        ruleMatches(files, 'GET/tenants/acme/files/f/a/b', 'acme'),
      ];

      // Assess
      expect(spans).toEqual([['POST/tenants/acme/documents/*/*/shares'], []]);
      expect(matches).toEqual([true, false, true]);
    });

    it.each([
      ['GET/a/*/*/b', 'GET/a/*/b', true],
      ['GET/a/*/*', 'GET/a/*/parts', true],
      ['GET/a/*/*', 'GET/b/*', false],
      ['DELETE/x/*/*', 'GET/x/*', false],
      ['GET/a/*', 'GET/a', false],
      ['GET/a*', '*b', true],
      ['GET/x', 'GET/x', true],
    ])('decides whether IAM patterns %s and %s share a match: %s', (a, b, expected) => {
      // Act
      const both = [patternsIntersect(a, b), patternsIntersect(b, a)];

      // Assess
      expect(both).toEqual([expected, expected]);
    });

    it('refuses exactly the rule sets a pairwise scan finds a one-segment Deny overlap in, naming the same first pair', () => {
      // Prepare: tenant routes from a small vocabulary (so that parameters often reach over other routes), judged
      // by the parse and by a scan of every span against every other rule's resources in rule order (the reference
      // the parse's index of literal starts must agree with).
      const route = fc
        .tuple(
          fc.constantFrom('*', 'GET', 'POST'),
          fc.array(fc.constantFrom('a', 'b', 'a.b', 'a-b', '{p}'), { maxLength: 4 }),
          fc.boolean(),
        )
        .map(([method, tail, rest]) => {
          const segments = tail.map((part, index) => (part === '{p}' ? `{p${index}}` : part));
          // A parameter followed by a literal may not end in a wildcard: a rule refused on its own, tested above.
          const param = tail.indexOf('{p}');
          const wildcard = rest && !(param !== -1 && tail.slice(param + 1).some((part) => part !== '{p}'));
          return `${method} /${['tenants', '{tenantId}', ...segments, ...(wildcard ? ['*'] : [])].join('/')}`;
        });
      const routeSets = fc.uniqueArray(route, { minLength: 1, maxLength: 12 });
      const pairwise = (list: readonly RouteRule[]): string | undefined => {
        for (const rule of list) {
          for (const span of ruleSpans(rule, '{tenantId}')) {
            for (const other of list) {
              if (other === rule) continue;
              const met = ruleResources(other, '{tenantId}').find((resource) => patternsIntersect(span, resource));
              if (met !== undefined)
                return `"${rule.route}" and "${other.route}" overlap where a {parameter} would span segments (${met})`;
            }
          }
        }
        return undefined;
      };

      // Act / Assess
      fc.assert(
        fc.property(routeSets, (routes) => {
          let outcome: string | undefined;
          try {
            parse(rules(...routes.map((text) => ({ route: text }))));
          } catch (error) {
            outcome = (error as Error).message.replace(/^TENANCY_ROUTES: /, '');
            // Refused before the span check (a method repeated by a `*` rule): nothing to compare.
            if (/repeats/.test(outcome)) return;
          }
          // The rules as parsed, span checks aside: each alone is valid, so parse them one by one.
          const list = routes.map((text) => only(rules({ route: text })));
          expect(outcome).toBe(pairwise(list));
        }),
        { numRuns: 300 },
      );
    });

    it('accepts 1,000 rules with one-segment Denies, and refuses 1,001', () => {
      // Prepare
      const list = (count: number) =>
        rules(
          ...Array.from({ length: count }, (_, index) => ({
            route: `${index % 2 === 0 ? '*' : 'GET'} /tenants/{tenantId}/r${index}/{id}/parts`,
          })),
        );

      // Act
      const thousand = parse(list(1000));
      const tooMany = () => parse(list(1001));

      const overlapping = () => parse(rules(...list(999).routes, { route: 'GET /tenants/{tenantId}/r998/{other}' }));

      // Assess
      expect(thousand.rules).toHaveLength(1000);
      expect(overlapping).toThrow(
        /"\* \/tenants\/\{tenantId\}\/r998\/\{id\}\/parts" and "GET \/tenants\/\{tenantId\}\/r998\/\{other\}" overlap/,
      );
      expect(tooMany).toThrow(/1-1000 rules/);
    });

    it('requires one of the listed groups and at least the minimum tier', () => {
      // Prepare
      const rule = only(rules({ route: 'GET /x', groups: ['tenant-admin', 'auditor'], minimumTier: 'standard' }));

      // Act
      const outcomes = [
        callerMeetsRule(rule, { groups: ['auditor'], tier: 'standard' }, DEFAULT_TIERS),
        callerMeetsRule(rule, { groups: ['tenant-admin'], tier: 'enterprise' }, DEFAULT_TIERS),
        callerMeetsRule(rule, { groups: ['tenant-member'], tier: 'enterprise' }, DEFAULT_TIERS),
        callerMeetsRule(rule, { groups: ['tenant-admin'], tier: 'free' }, DEFAULT_TIERS),
        callerMeetsRule(rule, { groups: ['tenant-admin'], tier: 'unknown' }, DEFAULT_TIERS),
      ];

      // Assess
      expect(outcomes).toEqual([true, true, false, false, false]);
    });
  });
});
