import { DynamoDBClient, GetItemCommand, type GetItemCommandInput } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { TenantStatus } from '../../shared/registry/tenant';

/** Registry state for the authorizer's reads: tenant statuses, and which tenant each silo pool is bound to. */
export interface RegistryState {
  tenants: Record<string, TenantStatus>;
  poolBindings?: Record<string, string>;
  /** Status of every tenant not listed in `tenants`; absent: such tenants do not exist. */
  otherTenants?: TenantStatus;
  /** When set, every read fails as an unreachable registry would. */
  down?: boolean;
}

/** The table name the mocked registry answers for. */
export const MOCK_TABLE = 'cognito-tenancy-test-registry';

/**
 * Stubs DynamoDB `GetItem` (the only call the authorizer's tenant check makes) with items shaped as the
 * registry writes them, from a state the test may change between requests. Returns the state, the number
 * of reads so far, and `restore`.
 */
export function mockRegistryReads(initial: RegistryState): {
  state: RegistryState;
  reads: () => number;
  restore: () => void;
} {
  const state = { ...initial };
  let reads = 0;
  const mock = mockClient(DynamoDBClient);
  mock.on(GetItemCommand).callsFake((input: GetItemCommandInput) => {
    reads++;
    if (state.down === true) throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'NetworkingError' });
    if (input.TableName !== MOCK_TABLE) throw new Error(`unexpected table ${input.TableName}`);
    const pk = input.Key?.pk?.S ?? '';
    const sk = input.Key?.sk?.S ?? '';
    const [kind, id = ''] = pk.split('#');
    const status = state.tenants[id] ?? state.otherTenants;
    if (kind === 'TENANT' && sk === 'TENANT' && status !== undefined) {
      const pools = Object.entries(state.poolBindings ?? {}).flatMap(([pool, tenant]) => (tenant === id ? [pool] : []));
      return { Item: { ...tenantItem(id, status), ...(pools.length > 0 ? { siloPools: { SS: pools } } : {}) } };
    }
    const tenantId = kind === 'POOL' && sk === 'BINDING' ? state.poolBindings?.[id] : undefined;
    if (tenantId !== undefined) return { Item: { pk: { S: pk }, sk: { S: sk }, tenantId: { S: tenantId } } };
    return {};
  });
  return { state, reads: () => reads, restore: () => mock.restore() };
}

function tenantItem(tenantId: string, status: TenantStatus) {
  return {
    pk: { S: `TENANT#${tenantId}` },
    sk: { S: 'TENANT' },
    tenantId: { S: tenantId },
    name: { S: tenantId },
    tier: { S: 'standard' },
    status: { S: status },
    seats: { N: '1' },
    createdAt: { S: '2026-01-01T00:00:00.000Z' },
    updatedAt: { S: '2026-01-01T00:00:00.000Z' },
  };
}
