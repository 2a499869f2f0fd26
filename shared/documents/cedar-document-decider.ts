import type { Decider } from '../cedar/decide';
import type { DocumentMetadata } from './document';
import type { DocumentDecider, DocumentReadFilter } from './document-decision';

/**
 * The documents service's decision seam answered by Cedar (docs/cedar.md): `create` and
 * `list` are tenant actions, `read` and `delete` are decided on the stored document, whose owner comes from the
 * tenant's own data. The caller is the authorizer's; its tenant's store decides.
 */
export function cedarDocumentDecider(decider: Decider): DocumentDecider {
  return async ({ caller, action, document }) => {
    if (action === 'read' || action === 'delete') {
      if (document === undefined) return false;
      const resource = documentResource(document);
      const cedarAction = action === 'read' ? 'ReadDocument' : 'DeleteDocument';
      return (await decider.decide({ principal: caller, action: cedarAction, resource })).decision === 'allow';
    }
    const resource = { kind: 'tenant', tenantId: caller.tenantId } as const;
    const cedarAction = action === 'create' ? 'CreateDocument' : 'ListDocuments';
    return (await decider.decide({ principal: caller, action: cedarAction, resource })).decision === 'allow';
  };
}

/**
 * A list page's `ReadDocument` decisions, made together (`Decider.decideAll`: AVP `BatchIsAuthorized` in batches
 * of 30, the embedded engine locally), in the page's order.
 */
export function cedarReadFilter(decider: Decider): DocumentReadFilter {
  return async (caller, documents) => {
    const decisions = await decider.decideAll(
      documents.map((document) => ({
        principal: caller,
        action: 'ReadDocument',
        resource: documentResource(document),
      })),
    );
    return decisions.map((decision) => decision.decision === 'allow');
  };
}

/** A stored document as Cedar sees it: owner and tenant from the tenant's own data. */
function documentResource(document: DocumentMetadata) {
  return { kind: 'document', id: document.id, tenantId: document.tenantId, ownerSub: document.owner } as const;
}
