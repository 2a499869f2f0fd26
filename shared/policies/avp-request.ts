import type { IsAuthorizedInput } from '@aws-sdk/client-verifiedpermissions';
import type { CedarRequest } from './cedar-model';

/**
 * The `IsAuthorized` input for a Cedar request on a tenant's policy store. Entities and context travel as
 * Cedar JSON, the very JSON the embedded engine evaluates, so the two engines cannot be given different facts.
 */
export function isAuthorizedInput(policyStoreId: string, request: CedarRequest): IsAuthorizedInput {
  const input: IsAuthorizedInput = {
    policyStoreId,
    principal: { entityType: request.principal.type, entityId: request.principal.id },
    action: { actionType: request.action.type, actionId: request.action.id },
    resource: { entityType: request.resource.type, entityId: request.resource.id },
    entities: { cedarJson: JSON.stringify(request.entities) },
  };
  if (Object.keys(request.context).length > 0) input.context = { cedarJson: JSON.stringify(request.context) };
  return input;
}
