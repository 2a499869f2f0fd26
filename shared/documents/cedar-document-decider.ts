import type { Decider } from '../policies/decide';
import type { DocumentDecider } from './document-decision';

/**
 * The documents service's decision seam answered by Cedar (docs/cedar.md): `create` and
 * `list` are tenant actions, `read` and `delete` are decided on the stored document, whose owner comes from the
 * tenant's own data. The caller is the authorizer's; its tenant's store decides.
 */
export function cedarDocumentDecider(decider: Decider): DocumentDecider {
  return async ({ caller, action, document }) => {
    if (action === 'read' || action === 'delete') {
      if (document === undefined) return false;
      const resource = {
        kind: 'document',
        id: document.id,
        tenantId: document.tenantId,
        ownerSub: document.owner,
      } as const;
      const cedarAction = action === 'read' ? 'ReadDocument' : 'DeleteDocument';
      return (await decider.decide({ principal: caller, action: cedarAction, resource })).decision === 'allow';
    }
    const resource = { kind: 'tenant', tenantId: caller.tenantId } as const;
    const cedarAction = action === 'create' ? 'CreateDocument' : 'ListDocuments';
    return (await decider.decide({ principal: caller, action: cedarAction, resource })).decision === 'allow';
  };
}
