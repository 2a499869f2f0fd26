import { ConflictException, CreatePolicyCommand } from '@aws-sdk/client-verifiedpermissions';
import { PolicyEngineError, PolicyStoreNotFoundError } from '../../runtime/errors';
import { ENTITY_TYPES, SHARE_TEMPLATE } from '../cedar-model';
import type { ShareDependencies } from './share-document';

/**
 * A share on Amazon Verified Permissions: the share template linked to the recipient and the document, as a
 * template-linked policy in the tenant's store, named after the share so that sharing twice is one policy.
 */
export async function createAvpLink(
  deps: ShareDependencies,
  tenantId: string,
  linkId: string,
  recipientSub: string,
  documentId: string,
): Promise<boolean> {
  const record = await deps.stores.getRecord(tenantId);
  const policyTemplateId = record?.avpTemplateIds[SHARE_TEMPLATE];
  if (record?.policyStoreId === undefined || policyTemplateId === undefined)
    throw new PolicyStoreNotFoundError(tenantId);
  if (deps.avpClient === undefined) throw new PolicyEngineError('the avp engine was chosen but not provided');
  const client = await deps.avpClient(tenantId);
  try {
    await client.send(
      new CreatePolicyCommand({
        policyStoreId: record.policyStoreId,
        // The name makes the share idempotent: a second CreatePolicy with it is a conflict, not a duplicate.
        name: `name/share-${linkId}`,
        definition: {
          templateLinked: {
            policyTemplateId,
            principal: { entityType: ENTITY_TYPES.user, entityId: recipientSub },
            resource: { entityType: ENTITY_TYPES.document, entityId: documentId },
          },
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConflictException) return false;
    throw new PolicyEngineError(`CreatePolicy on policy store ${record.policyStoreId} failed`, { cause: error });
  }
}
