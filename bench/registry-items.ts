/** The registry's tenant item for `acme` as DynamoDB returns it, for benches that answer GetItem in memory. */
export const ACME_TENANT_ITEM = {
  pk: { S: 'TENANT#acme' },
  sk: { S: 'TENANT' },
  tenantId: { S: 'acme' },
  name: { S: 'Acme' },
  tier: { S: 'standard' },
  status: { S: 'active' },
  seats: { N: '3' },
  roleMappings: { M: { AcmeAdmins: { S: 'tenant-admin' } } },
  createdAt: { S: '2025-01-01T00:00:00.000Z' },
  updatedAt: { S: '2025-01-01T00:00:00.000Z' },
};
