/** Key builders of the one-table registry schema (ARCHITECTURE.md "Tenant registry"). */
export const keys = {
  tenant: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'TENANT' }),
  membership: (tenantId: string, sub: string) => ({ pk: `TENANT#${tenantId}`, sk: `USER#${sub}` }),
  /**
   * The user item: the user's active tenant (`tenantId`, the value of `custom:tenantId`) and where the user
   * lives in Cognito. Before memberships, the same key held the user's one tenant; that item reads the same.
   */
  user: (sub: string) => ({ pk: `USER#${sub}`, sk: 'TENANT' }),
  /** The reverse membership item, a copy of the membership under the user: a user's memberships in one Query. */
  userMembership: (sub: string, tenantId: string) => ({ pk: `USER#${sub}`, sk: `${USER_TENANT_SK_PREFIX}${tenantId}` }),
  binding: (bindingKey: string) => ({ pk: bindingKey, sk: 'BINDING' }),
  /** Reverse pointer under the tenant, so a tenant's bindings can be listed with one Query. */
  tenantBinding: (tenantId: string, bindingKey: string) => ({ pk: `TENANT#${tenantId}`, sk: `BINDING#${bindingKey}` }),
} as const;

export const MEMBER_SK_PREFIX = 'USER#';
/** Sort-key prefix of the reverse membership items under a user's partition. */
export const USER_TENANT_SK_PREFIX = 'TENANT#';
export const BINDING_SK_PREFIX = 'BINDING#';

/**
 * Where a tenant's policy store lives (AVP id) and its embedded policy set (docs/cedar.md): the item that
 * shared/cedar/stores/policy-store-registry.ts reads and policy-store-admin.ts writes.
 */
export const policyKeys = {
  store: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'POLICY_STORE' }),
} as const;
