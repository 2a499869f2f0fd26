import type { VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import { AccessDeniedError, PolicyEngineError, ShareRecipientNotFoundError } from '../../runtime/errors';
import { type DocumentResource, type Principal, SHARE_TEMPLATE } from '../cedar-model';
import type { Decider } from '../decide';
import type { PolicyEngineKind } from '../policy-config';
import { shareLinkId } from '../policy-set';
import type { PolicyStoreRegistry } from '../stores/policy-store-registry';
import type { ShareLinks } from './share-links';

/** What sharing needs: the decider, the registry's policy items and a membership check. */
export interface ShareDependencies {
  readonly engine: PolicyEngineKind;
  readonly decider: Decider;
  readonly stores: Pick<PolicyStoreRegistry, 'getRecord'>;
  /** Where the embedded engine's shares are kept (`engine: embedded`). */
  readonly links?: Pick<ShareLinks, 'addLink'>;
  /** Whether `sub` is a member of `tenantId` (the registry's membership item). */
  readonly isMember: (tenantId: string, sub: string) => Promise<boolean>;
  /** A Verified Permissions client with the tenant's scoped credentials (`engine: avp`). */
  readonly avpClient?: (tenantId: string) => VerifiedPermissionsClient | Promise<VerifiedPermissionsClient>;
}

/**
 * Shares a document for reading: only when the policies let the caller `ShareDocument` it, and only with a
 * member of the caller's own tenant. The share is the share template linked to the recipient and the
 * document, in the caller's tenant's store only. Sharing twice is one share (`created: false`).
 */
export async function shareDocument(
  deps: ShareDependencies,
  principal: Principal,
  document: DocumentResource,
  recipientSub: string,
): Promise<{ created: boolean }> {
  const tenantId = principal.tenantId;
  const { decision } = await deps.decider.decide({ principal, action: 'ShareDocument', resource: document });
  if (decision !== 'allow') throw new AccessDeniedError('ShareDocument', `document ${document.id}`);
  if (!(await deps.isMember(tenantId, recipientSub))) throw new ShareRecipientNotFoundError(tenantId, recipientSub);
  const linkId = shareLinkId(document.id, recipientSub);
  let created: boolean;
  if (deps.engine === 'embedded') {
    if (deps.links === undefined) throw new PolicyEngineError('the embedded engine was chosen but not provided');
    created = await deps.links.addLink(tenantId, {
      linkId,
      templateId: SHARE_TEMPLATE,
      principalSub: recipientSub,
      documentId: document.id,
    });
  } else {
    const { createAvpLink } = await import('./avp-share');
    created = await createAvpLink(deps, tenantId, linkId, recipientSub, document.id);
  }
  // This container sees the share at once; others within the policy cache time.
  deps.decider.forget(tenantId);
  return { created };
}
