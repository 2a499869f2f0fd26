import { VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { ClientLimits } from '../../runtime/dynamodb-client';
import { LruMap } from '../../runtime/lru-map';
import type { PolicyStoreRegistry } from '../stores/policy-store-registry';
import { guardTenantSession, shareTargetFrom } from './tenant-policy-session';

/**
 * Verified Permissions clients, one per tenant, each signing with that tenant's scoped credentials: IAM lets
 * them reach only policy stores tagged `TenantID=<that tenant>` (docs/cedar.md "Choosing the engine"). Bounded; the
 * least recently used tenant's client is dropped first. All of them share one HTTP handler (one connection pool),
 * so dropping a tenant's client closes nothing another request may be using. Loaded only by functions on the
 * AVP engine. Every client is guarded (`guardTenantSession`): it decides, and writes nothing but a share of
 * the tenant's share template in the store the registry (`stores`) records for it.
 */
export function tenantAvpClients(
  credentialsFor: (tenantId: string) => Promise<AwsCredentialIdentity>,
  limits: ClientLimits,
  cacheSize: number,
  stores: Pick<PolicyStoreRegistry, 'getRecord'>,
): (tenantId: string) => VerifiedPermissionsClient {
  const shareTargetOf = shareTargetFrom(stores);
  const clients = new LruMap<string, VerifiedPermissionsClient>(cacheSize);
  const requestHandler = new NodeHttpHandler({
    connectionTimeout: limits.connectionTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
  });
  return (tenantId) => {
    const found = clients.get(tenantId);
    if (found !== undefined) return found;
    const client = guardTenantSession(
      new VerifiedPermissionsClient({
        credentials: () => credentialsFor(tenantId),
        maxAttempts: limits.maxAttempts,
        requestHandler,
      }),
      tenantId,
      shareTargetOf,
    );
    clients.set(tenantId, client);
    return client;
  };
}
