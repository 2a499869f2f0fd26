import { VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { ClientLimits } from '../runtime/dynamodb-client';
import { LruMap } from '../runtime/lru-map';

/**
 * Verified Permissions clients, one per tenant, each signing with that tenant's scoped credentials: IAM lets
 * them reach only policy stores tagged `TenantID=<that tenant>` (README "Choosing the engine"). Bounded; the
 * least recently used tenant's client is dropped first. Loaded only by functions on the AVP engine.
 */
export function tenantAvpClients(
  credentialsFor: (tenantId: string) => Promise<AwsCredentialIdentity>,
  limits: ClientLimits,
  cacheSize = 1000,
): (tenantId: string) => VerifiedPermissionsClient {
  const clients = new LruMap<string, VerifiedPermissionsClient>(cacheSize);
  return (tenantId) => {
    const found = clients.get(tenantId);
    if (found !== undefined) return found;
    const client = new VerifiedPermissionsClient({
      credentials: () => credentialsFor(tenantId),
      maxAttempts: limits.maxAttempts,
      requestHandler: { connectionTimeout: limits.connectionTimeoutMs, requestTimeout: limits.requestTimeoutMs },
    });
    clients.set(tenantId, client);
    return client;
  };
}
