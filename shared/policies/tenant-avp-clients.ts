import { VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { ClientLimits } from '../runtime/dynamodb-client';

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
  const clients = new Map<string, VerifiedPermissionsClient>();
  return (tenantId) => {
    let client = clients.get(tenantId);
    if (client !== undefined) {
      clients.delete(tenantId);
    } else {
      client = new VerifiedPermissionsClient({
        credentials: () => credentialsFor(tenantId),
        maxAttempts: limits.maxAttempts,
        requestHandler: { connectionTimeout: limits.connectionTimeoutMs, requestTimeout: limits.requestTimeoutMs },
      });
      if (clients.size >= cacheSize) {
        const oldest = clients.keys().next().value;
        if (oldest !== undefined) clients.delete(oldest);
      }
    }
    clients.set(tenantId, client);
    return client;
  };
}
