import type { DecisionRequest, DocumentAction, Principal, TenantAction } from '../../shared/cedar/cedar-model';
import { SHARE_TEMPLATE } from '../../shared/cedar/cedar-model';
import { type ShareLink, shareLinkId } from '../../shared/cedar/policy-set';

export { repositoryPolicySet } from '../../local/policy-sets';

/** A share link of the repository's share template. */
export function share(principalSub: string, documentId: string): ShareLink {
  return { linkId: shareLinkId(documentId, principalSub), templateId: SHARE_TEMPLATE, principalSub, documentId };
}

/** A caller of a tenant. */
export const caller = (tenantId: string, sub: string, ...groups: string[]): Principal => ({ sub, tenantId, groups });

/** A request on one document of `tenantId` owned by `ownerSub`. */
export function onDocument(
  principal: Principal,
  action: DocumentAction,
  document: { id: string; tenantId: string; ownerSub: string },
): DecisionRequest {
  return { principal, action, resource: { kind: 'document', ...document } };
}

/** A request on a tenant. */
export function onTenant(principal: Principal, action: TenantAction, tenantId: string): DecisionRequest {
  return { principal, action, resource: { kind: 'tenant', tenantId } };
}
