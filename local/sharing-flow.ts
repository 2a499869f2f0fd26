import { authenticate, type Check, callApi, decodeClaims, PASSWORD, runScene, signUp } from './lifecycle';
import type { LocalStack } from './stack';

/**
 * The source documents' sharing scenario on the embedded Cedar engine (docs/cedar.md):
 * the owner adds a document, a colleague is refused, the owner shares, the colleague reads, the tenant-admin
 * manages it, and a user of another tenant is refused, both as a reader and as a share recipient; then the
 * colleague may not delete it, the tenant-admin deletes it, and the owner finds it gone.
 */
export async function runSharingFlow(
  stack: LocalStack,
  options: { onCheck?: (check: Check) => void; runId?: string } = {},
): Promise<Check[]> {
  return runScene(stack, options, async ({ check, cognito, run, userPoolId, clientId }) => {
    const user = async (email: string, role?: string) => {
      const signedUp = await signUp(cognito, clientId, userPoolId, email);
      // The role belongs to the membership (docs/memberships.md): an operator's set-role, not a Cognito group.
      if (role !== undefined) await stack.registry.setRole('acme', signedUp, role);
      const result = await authenticate(cognito, clientId, { USERNAME: email, PASSWORD }, 'USER_PASSWORD_AUTH');
      const token = result.accessToken ?? '';
      const sub = String(decodeClaims(token).sub);
      return { token, sub };
    };
    const owner = await user(`olga.${run}@acme.example`);
    const colleague = await user(`colin.${run}@acme.example`);
    const admin = await user(`ada.${run}@acme.example`, 'tenant-admin');
    const outsider = await user(`otto.${run}@globex.example`);

    const created = await callApi(stack, 'POST', '/tenants/acme/documents', owner.token, {
      title: 'Board memo',
      content: 'q4',
    });
    const id = String((created.body as { id?: unknown })?.id ?? '(none)');
    const path = `/tenants/acme/documents/${id}`;
    check('sharing: owner adds a document', 201, created.status);
    check(
      'sharing: colleague reads it before a share',
      403,
      (await callApi(stack, 'GET', path, colleague.token)).status,
    );
    const byColleague = await callApi(stack, 'POST', `${path}/shares`, colleague.token, { userId: colleague.sub });
    check('sharing: colleague shares it with himself', 403, byColleague.status);
    const shared = await callApi(stack, 'POST', `${path}/shares`, owner.token, { userId: colleague.sub });
    check('sharing: owner shares it with the colleague', 201, shared.status);
    const read = await callApi(stack, 'GET', path, colleague.token);
    check('sharing: colleague reads it after the share', 'q4', (read.body as { content?: unknown })?.content);
    check('sharing: tenant-admin reads it (manages all)', 200, (await callApi(stack, 'GET', path, admin.token)).status);
    const byAdmin = await callApi(stack, 'POST', `${path}/shares`, admin.token, { userId: colleague.sub });
    check('sharing: tenant-admin shares it again (one share)', 200, byAdmin.status);
    const toOutsider = await callApi(stack, 'POST', `${path}/shares`, owner.token, { userId: outsider.sub });
    check('sharing: owner shares with a globex user', 404, toOutsider.status);
    check("sharing: globex user on acme's path", 403, (await callApi(stack, 'GET', path, outsider.token)).status);
    const inGlobex = await callApi(stack, 'GET', `/tenants/globex/documents/${id}`, outsider.token);
    check("sharing: globex user, acme's id in globex", 404, inGlobex.status);
    check('sharing: colleague deletes it', 403, (await callApi(stack, 'DELETE', path, colleague.token)).status);
    const deleted = await callApi(stack, 'DELETE', path, admin.token);
    check("sharing: tenant-admin deletes the owner's document", 204, deleted.status);
    check('sharing: owner reads it after the delete', 404, (await callApi(stack, 'GET', path, owner.token)).status);
    check('sharing: tenant-admin deletes it again', 404, (await callApi(stack, 'DELETE', path, admin.token)).status);
  });
}
