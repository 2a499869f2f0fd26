import { describe, expect, it } from 'vitest';
import { CompiledRoutes } from '../../shared/authorizer/compiled-routes';
import { parseRouteRules } from '../../shared/authorizer/route-rules';
import { DEFAULT_TIERS } from '../../shared/registry/tiers';

const ROUTES = parseRouteRules(
  {
    routes: [
      { route: 'GET /tenants/{tenantId}/me' },
      { route: '* /tenants/{tenantId}/admin/*', groups: ['tenant-admin'] },
      { route: 'GET /tenants/{tenantId}/documents/{documentId}' },
      { route: 'GET /tenants/{tenantId}/documents/latest' },
      { route: 'GET /' },
      { route: 'GET /health' },
    ],
  },
  DEFAULT_TIERS,
);

describe('compiled route rules', () => {
  const compiled = new CompiledRoutes(ROUTES);

  it.each([
    ['GET/tenants/acme/me', [0], 'acme'],
    ['GET/tenants/globex/me', [0], 'globex'],
    ['POST/tenants/acme/admin/users/42', [1], 'acme'],
    ['POST/tenants/acme/admin', [], 'acme'],
    ['GET/tenants/acme/documents/latest', [2, 3], 'acme'],
    ['GET/tenants/acme/documents/d1/x', [], 'acme'],
    ['GET/', [4], undefined],
    ['GET/health', [5], undefined],
    ['POST/health', [], undefined],
    ['TRACE/health', [], undefined],
    ['GET/tenants/acme/me/x', [], 'acme'],
  ])('matches %s against rules %j (tenant segment %s)', (resource, rules, tenant) => {
    // Act
    const match = compiled.match(resource);

    // Assess
    expect([...match.rules].sort()).toEqual(rules);
    if (rules.length > 0) expect(match.tenant).toBe(tenant);
  });

  it('never lets a parameter or a final wildcard match an empty segment', () => {
    // Act
    const matches = [
      'GET/tenants/acme/documents/',
      'GET/tenants//me',
      'POST/tenants/acme/admin/',
      'POST/tenants/acme/admin//x',
      'GET',
    ].map((resource) => compiled.match(resource).rules);

    // Assess
    expect(matches).toEqual([[], [], [], [], []]);
  });

  it("counts a tenant route as the caller's own only on that tenant's path", () => {
    // Prepare
    const match = compiled.match('GET/tenants/globex/me');

    // Act
    const own = [compiled.ownTenant(0, match, 'acme'), compiled.ownTenant(0, match, 'globex')];
    const shared = compiled.ownTenant(5, compiled.match('GET/health'), 'acme');

    // Assess
    expect(own).toEqual([false, true]);
    expect(shared).toBe(true);
  });
});
