import { authenticate, type Check, callApi, decodeClaims, PASSWORD, runScene, signUp } from './lifecycle';
import type { LocalStack } from './stack';

/**
 * The memberships scene (docs/memberships.md): a user who is tenant-admin of acme is added to globex by
 * globex's admin, lists their tenants, switches to globex and refreshes (tenantId globex, groups tenant-member
 * only), is refused acme's admin route there, switches back (tenant-admin again), then globex's admin promotes,
 * demotes and removes them: the token already issued loses the role and then globex within the cache TTL, and
 * a refresh moves the active tenant back to acme. The audit trail of globex shows every step.
 */
export async function runMembershipsFlow(
  stack: LocalStack,
  options: { onCheck?: (check: Check) => void; runId?: string } = {},
): Promise<Check[]> {
  return runScene(stack, options, async ({ check, cognito, run, userPoolId, clientId }) => {
    // Two users placed by their e-mail domain; the operator makes each the admin of their tenant.
    const miaEmail = `mia.${run}@acme.example`;
    const mia = await signUp(cognito, clientId, userPoolId, miaEmail);
    const gina = await signUp(cognito, clientId, userPoolId, `gina.${run}@globex.example`);
    await stack.registry.setRole('acme', mia, 'tenant-admin');
    await stack.registry.setRole('globex', gina, 'tenant-admin');
    const signIn = (email: string) =>
      authenticate(cognito, clientId, { USERNAME: email, PASSWORD }, 'USER_PASSWORD_AUTH');
    const first = await signIn(miaEmail);
    const ginaToken = (await signIn(`gina.${run}@globex.example`)).accessToken ?? '';
    let token = first.accessToken ?? '';
    const refresh = async () => {
      const result = await authenticate(
        cognito,
        clientId,
        { REFRESH_TOKEN: first.refreshToken ?? '' },
        'REFRESH_TOKEN_AUTH',
      );
      const claims = result.accessToken === undefined ? {} : decodeClaims(result.accessToken);
      if (result.accessToken !== undefined) token = result.accessToken;
      return { claims, error: result.error };
    };
    const claimsOf = (jwt: string) => decodeClaims(jwt);
    check('memberships: mia signs in to acme', 'acme [tenant-admin]', summary(claimsOf(token)));

    const added = await callApi(stack, 'POST', '/tenants/globex/members', ginaToken, {
      email: miaEmail,
      role: 'tenant-member',
    });
    check("memberships: globex's admin adds mia as member", 201, added.status);
    const listed = await callApi(stack, 'GET', '/me/tenants', token);
    check('memberships: mia lists her tenants', 'acme:tenant-admin*,globex:tenant-member', tenantList(listed.body));

    const switched = await callApi(stack, 'PUT', '/me/active-tenant', token, { tenantId: 'globex' });
    check(
      'memberships: mia switches to globex',
      '200 refresh-tokens',
      `${switched.status} ${nextAction(switched.body)}`,
    );
    const inGlobex = await refresh();
    check('memberships: refresh: access token in globex', 'globex [tenant-member]', summary(inGlobex.claims));
    const adminRoute = await callApi(stack, 'POST', '/tenants/acme/members', token, {
      sub: gina,
      role: 'tenant-member',
    });
    check("memberships: acme's admin route while in globex", 403, adminRoute.status);

    await callApi(stack, 'PUT', '/me/active-tenant', token, { tenantId: 'acme' });
    check('memberships: switch back and refresh: acme', 'acme [tenant-admin]', summary((await refresh()).claims));
    await callApi(stack, 'PUT', '/me/active-tenant', token, { tenantId: 'globex' });
    await refresh();

    const member = `/tenants/globex/members/${mia}`;
    const promoted = await callApi(stack, 'PUT', member, ginaToken, { role: 'tenant-admin' });
    check("memberships: globex's admin promotes mia", 200, promoted.status);
    check('memberships: refresh: globex as tenant-admin', 'globex [tenant-admin]', summary((await refresh()).claims));
    const adminToken = token;
    const demoted = await callApi(stack, 'PUT', member, ginaToken, { role: 'tenant-member' });
    check("memberships: globex's admin demotes mia", 200, demoted.status);
    await tenantCacheExpiry(stack);
    const me = await callApi(stack, 'GET', '/tenants/globex/me', adminToken);
    check('memberships: admin token after the TTL: groups', 'tenant-member', groupsOf(me.body));
    const removed = await callApi(stack, 'DELETE', member, ginaToken);
    check("memberships: globex's admin removes mia", 204, removed.status);
    await tenantCacheExpiry(stack);
    const after = await callApi(stack, 'GET', '/tenants/globex/me', adminToken);
    check('memberships: token already issued, after the TTL', 403, after.status);
    const moved = await refresh();
    check('memberships: refresh after removal moves her to', 'acme [tenant-admin]', summary(moved.claims, moved.error));

    const { entries } = await stack.registry.listAudit('globex', { sub: mia, limit: 20 });
    check(
      'memberships: globex audit trail for mia (oldest first)',
      'member-assigned,active-tenant-changed,active-tenant-changed,role-changed,role-changed,member-removed',
      entries
        .map((entry) => entry.action)
        .reverse()
        .join(','),
    );
  });
}

function summary(claims: Record<string, unknown>, error?: string): string {
  if (error !== undefined) return error;
  const groups = Array.isArray(claims['cognito:groups']) ? claims['cognito:groups'].join(',') : '';
  return `${String(claims.tenantId)} [${groups}]`;
}

function tenantList(body: unknown): string {
  const tenants = (body as { tenants?: { tenantId: string; role: string; active: boolean }[] })?.tenants ?? [];
  return tenants.map((tenant) => `${tenant.tenantId}:${tenant.role}${tenant.active ? '*' : ''}`).join(',');
}

function nextAction(body: unknown): string {
  return String((body as { next?: { action?: unknown } })?.next?.action);
}

function groupsOf(body: unknown): string {
  const groups = (body as { groups?: unknown })?.groups;
  return Array.isArray(groups) ? groups.join(',') : JSON.stringify(body);
}

/** Waits out the functions' registry caches (none with the demo's `tenantCacheSeconds: 0`). */
function tenantCacheExpiry(stack: LocalStack): Promise<void> {
  if (stack.tenantCacheSeconds === 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, stack.tenantCacheSeconds * 1000 + 500));
}
