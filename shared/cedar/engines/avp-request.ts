import type {
  BatchIsAuthorizedInput,
  BatchIsAuthorizedInputItem,
  IsAuthorizedInput,
} from '@aws-sdk/client-verifiedpermissions';
import type { EntityJson } from '@cedar-policy/cedar-wasm/web';
import { PolicyEngineError } from '../../runtime/errors';
import type { CedarRequest } from '../cedar-model';

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

/**
 * The `BatchIsAuthorized` input for requests on one store: one item per request, in order, and the union of
 * their entities (one entities list serves the whole batch; an entity two requests carry is sent once).
 */
export function batchIsAuthorizedInput(
  policyStoreId: string,
  requests: readonly CedarRequest[],
): BatchIsAuthorizedInput & { requests: BatchIsAuthorizedInputItem[] } {
  const entities = new Map<string, EntityJson>();
  for (const request of requests) {
    for (const entity of request.entities) {
      const key = JSON.stringify(entity.uid);
      const known = entities.get(key);
      // Two requests that describe one entity differently cannot share one entities list: refuse, never pick one.
      if (known !== undefined && JSON.stringify(known) !== JSON.stringify(entity)) {
        throw new PolicyEngineError(`entity ${key} is described differently by two requests of one batch`);
      }
      entities.set(key, entity);
    }
  }
  return {
    policyStoreId,
    entities: { cedarJson: JSON.stringify([...entities.values()]) },
    requests: requests.map((request) => {
      const item: BatchIsAuthorizedInputItem = {
        principal: { entityType: request.principal.type, entityId: request.principal.id },
        action: { actionType: request.action.type, actionId: request.action.id },
        resource: { entityType: request.resource.type, entityId: request.resource.id },
      };
      if (Object.keys(request.context).length > 0) item.context = { cedarJson: JSON.stringify(request.context) };
      return item;
    }),
  };
}
