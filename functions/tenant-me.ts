/**
 * Sample tenant-scoped endpoint, `GET /tenants/{tenantId}/me` (`shared/tenant-me/tenant-me-handler.ts`): echoes
 * the identity the authorizer established.
 */
import { createTenantMeHandler } from '../shared/tenant-me/tenant-me-handler';

/** The Lambda handler. */
export const handler = createTenantMeHandler();
