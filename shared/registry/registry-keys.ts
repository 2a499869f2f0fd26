/** Key builders of the one-table registry schema (ARCHITECTURE.md "Tenant registry"). */
export const keys = {
  tenant: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'TENANT' }),
  membership: (tenantId: string, sub: string) => ({ pk: `TENANT#${tenantId}`, sk: `USER#${sub}` }),
  user: (sub: string) => ({ pk: `USER#${sub}`, sk: 'TENANT' }),
  binding: (bindingKey: string) => ({ pk: bindingKey, sk: 'BINDING' }),
  /** Reverse pointer under the tenant, so a tenant's bindings can be listed with one Query. */
  tenantBinding: (tenantId: string, bindingKey: string) => ({ pk: `TENANT#${tenantId}`, sk: `BINDING#${bindingKey}` }),
} as const;

export const MEMBER_SK_PREFIX = 'USER#';
export const BINDING_SK_PREFIX = 'BINDING#';

/** Where a tenant's policy store lives (AVP id) and its embedded policy set (docs/cedar.md). */
export const policyKeys = {
  store: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'POLICY_STORE' }),
} as const;
