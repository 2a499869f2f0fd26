import { describe, expect, it } from 'vitest';
import { POLICY_BYTE_BUDGET, policyBytes, policyEffect } from '../../shared/authorizer/authorization-policy';
import { CompiledRoutes } from '../../shared/authorizer/compiled-routes';
import { EntitlementCache, entitlementKey } from '../../shared/authorizer/entitlement-cache';
import { parseRouteRules } from '../../shared/authorizer/route-rules';
import { DEFAULT_TIERS } from '../../shared/registry/tiers';

const PREFIX = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/';
const OTHER_STAGE = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/test/';

const ROUTES = new CompiledRoutes(
  parseRouteRules(
    {
      routes: [
        { route: 'GET /tenants/{tenantId}/me' },
        { route: '* /tenants/{tenantId}/admin/*', groups: ['tenant-admin'] },
        { route: 'GET /tenants/{tenantId}/reports', minimumTier: 'standard' },
      ],
    },
    DEFAULT_TIERS,
  ),
);

const member = { tenantId: 'acme', tier: 'free', groups: ['tenant-member'] };
const admin = { tenantId: 'acme', tier: 'standard', groups: ['tenant-member', 'tenant-admin'] };

describe('entitlement cache', () => {
  it('computes the rules met and one stage-wide policy per tenant, tier, granted groups and stage', () => {
    // Prepare
    const cache = new EntitlementCache(ROUTES, DEFAULT_TIERS);

    // Act
    const memberEntitlement = cache.get(member, PREFIX);
    const adminEntitlement = cache.get(admin, PREFIX);
    const again = cache.get({ ...admin, groups: ['tenant-admin', 'tenant-member'] }, PREFIX);
    const otherStage = cache.get(admin, OTHER_STAGE);
    const otherTenant = cache.get({ ...admin, tenantId: 'globex' }, PREFIX);

    // Assess
    expect([...memberEntitlement.meets]).toEqual([1, 0, 0]);
    expect([...adminEntitlement.meets]).toEqual([1, 1, 1]);
    expect(again).toBe(adminEntitlement);
    expect(otherStage).not.toBe(adminEntitlement);
    expect(otherTenant).not.toBe(adminEntitlement);
    const policy = adminEntitlement.policy;
    expect(policy).toBeDefined();
    if (policy === undefined) return;
    expect(policyEffect(policy, `${PREFIX}DELETE/tenants/acme/admin/users/7`)).toBe('Allow');
    expect(policyEffect(policy, `${PREFIX}GET/tenants/globex/me`)).toBe('Deny');
    expect(policyEffect(policy, `${OTHER_STAGE}GET/tenants/acme/me`)).toBe('Deny');
    expect(adminEntitlement.policyBytes).toBe(policyBytes(policy));
  });

  it('keys on the groups granted as a set, so their order does not matter and a changed grant is a new entry', () => {
    // Act
    const keys = [
      entitlementKey({ tenantId: 'acme', tier: 'free', groups: ['b', 'a'] }, PREFIX),
      entitlementKey({ tenantId: 'acme', tier: 'free', groups: ['a', 'b'] }, PREFIX),
      entitlementKey({ tenantId: 'acme', tier: 'free', groups: ['a'] }, PREFIX),
      entitlementKey({ tenantId: 'acme', tier: 'standard', groups: ['a'] }, PREFIX),
    ];

    // Assess
    expect(keys[0]).toBe(keys[1]);
    expect(new Set(keys).size).toBe(3);
  });

  it('keeps at most its capacity, dropping the least recently used entitlement', () => {
    // Prepare
    const cache = new EntitlementCache(ROUTES, DEFAULT_TIERS, 2);
    const first = cache.get({ ...member, tenantId: 't1' }, PREFIX);
    const second = cache.get({ ...member, tenantId: 't2' }, PREFIX);

    // Act
    const firstAgain = cache.get({ ...member, tenantId: 't1' }, PREFIX);
    cache.get({ ...member, tenantId: 't3' }, PREFIX);
    const firstStill = cache.get({ ...member, tenantId: 't1' }, PREFIX);
    const secondRebuilt = cache.get({ ...member, tenantId: 't2' }, PREFIX);

    // Assess
    expect(firstAgain).toBe(first);
    expect(firstStill).toBe(first);
    expect(secondRebuilt).not.toBe(second);
    expect(secondRebuilt.meets).toEqual(second.meets);
  });

  it('moves an entitlement hit in the older half of the cache to the recent end, and leaves one in the newer half in place', () => {
    // Prepare: capacity 4, so the newer half is the two most recently moved entries.
    const cache = new EntitlementCache(ROUTES, DEFAULT_TIERS, 4);
    const tenant = (id: string) => ({ ...member, tenantId: id });
    const t1 = cache.get(tenant('t1'), PREFIX);
    const t2 = cache.get(tenant('t2'), PREFIX);
    cache.get(tenant('t3'), PREFIX);
    const t4 = cache.get(tenant('t4'), PREFIX);

    // Act: t1 is in the older half (three moves ago) and moves; t4 is the newest and stays where it is.
    cache.get(tenant('t1'), PREFIX);
    cache.get(tenant('t4'), PREFIX);
    cache.get(tenant('t5'), PREFIX); // evicts t2, the least recently moved
    cache.get(tenant('t6'), PREFIX); // evicts t3

    // Assess
    expect(cache.get(tenant('t1'), PREFIX)).toBe(t1);
    expect(cache.get(tenant('t4'), PREFIX)).toBe(t4);
    expect(cache.get(tenant('t2'), PREFIX)).not.toBe(t2);
  });

  it('does not remember a caller object it is told will not come back', () => {
    // Prepare
    const cache = new EntitlementCache(ROUTES, DEFAULT_TIERS, 1);
    const caller = { tenantId: 'acme', tier: 'standard', groups: ['tenant-member'] };
    const first = cache.get(caller, PREFIX, false);
    cache.get({ ...member, tenantId: 'evicts-acme' }, PREFIX, false);

    // Act
    const again = cache.get(caller, PREFIX, false);

    // Assess: rebuilt from the cache, not served from a per-object memory.
    expect(again).not.toBe(first);
    expect(again.meets).toEqual(first.meets);
  });

  it('replaces a stage-wide Allow over the byte budget by one for the routes the request matched, within the budget', () => {
    // Prepare: 300 tenant routes for every method: far more than the budget holds.
    const many = new CompiledRoutes(
      parseRouteRules(
        { routes: Array.from({ length: 300 }, (_, index) => ({ route: `* /tenants/{tenantId}/r${index}/{id}` })) },
        DEFAULT_TIERS,
      ),
    );
    const cache = new EntitlementCache(many, DEFAULT_TIERS);
    const entitlement = cache.get(member, PREFIX);

    // Act
    const scoped = cache.allowPolicy(entitlement, member, PREFIX, [7]);
    const same = cache.allowPolicy(entitlement, member, PREFIX, [7]);

    // Assess
    expect(entitlement.policy).toBeUndefined();
    expect(entitlement.policyBytes).toBeGreaterThan(POLICY_BYTE_BUDGET);
    expect(same).toBe(scoped);
    expect(policyBytes(scoped)).toBeLessThanOrEqual(POLICY_BYTE_BUDGET);
    expect(policyEffect(scoped, `${PREFIX}PATCH/tenants/acme/r7/x`)).toBe('Allow');
    expect(policyEffect(scoped, `${PREFIX}PATCH/tenants/acme/r7/x/y`)).toBe('Deny');
    expect(policyEffect(scoped, `${PREFIX}PATCH/tenants/acme/r8/x`)).toBe('Deny');
    expect(policyEffect(scoped, `${PREFIX}PATCH/tenants/globex/r7/x`)).toBe('Deny');
  });

  it('serves a repeated caller object from its last entitlement, and looks up again when its stage or groups change', () => {
    // Prepare
    const cache = new EntitlementCache(ROUTES, DEFAULT_TIERS, 1);
    const caller = { tenantId: 'acme', tier: 'standard', groups: ['tenant-member'] };
    const first = cache.get(caller, PREFIX);
    cache.get({ ...member, tenantId: 'evicts-acme' }, PREFIX);

    // Act
    const repeated = cache.get(caller, PREFIX);
    const otherStage = cache.get(caller, OTHER_STAGE);
    const promoted = cache.get(Object.assign(caller, { groups: ['tenant-admin'] }), PREFIX);

    // Assess
    expect(repeated).toBe(first);
    expect(otherStage).not.toBe(first);
    expect([...promoted.meets]).toEqual([1, 1, 1]);
  });
});
