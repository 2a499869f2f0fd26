import { isValidTenantId } from '../registry/tenant-id';
import { InvalidInputError } from '../runtime/errors';

/**
 * The part of the authorizer context (ARCHITECTURE.md "Authorizer contract") that scopes credentials: the
 * tenant the authorizer verified. Path parameters, headers and bodies are never read for it.
 */
export interface VerifiedTenantContext {
  readonly tenantId?: unknown;
}

/**
 * The verified tenant id of a request. A missing or malformed one means the route is not behind the
 * authorizer (or the context was tampered with): the request is refused rather than given any tenant.
 */
export function verifiedTenantId(context: VerifiedTenantContext | undefined): string {
  const tenantId = context?.tenantId;
  if (!isValidTenantId(tenantId)) {
    throw new InvalidInputError('the authorizer context carries no well-formed tenant id', 'authorizer.tenantId');
  }
  return tenantId;
}
