import { CorruptItemError, type Item, M, N, readN, readS, readStringMap, S } from './dynamo-item';
import { keys } from './registry-keys';
import { itemKey } from './registry-table';
import { isTenantStatus, MEMBERSHIP_SOURCES, type Membership, type MembershipSource, type Tenant } from './tenant';

/** The item of a tenant. */
export function tenantItem(tenant: Tenant): Item {
  return {
    ...itemKey(keys.tenant(tenant.tenantId)),
    tenantId: S(tenant.tenantId),
    name: S(tenant.name),
    tier: S(tenant.tier),
    status: S(tenant.status),
    seats: N(tenant.seats),
    roleMappings: M(tenant.roleMappings),
    createdAt: S(tenant.createdAt),
    updatedAt: S(tenant.updatedAt),
  };
}

/** Reads a tenant item; throws `CorruptItemError` for an item the registry did not write. */
export function tenantFromItem(item: Item): Tenant {
  const status = readS(item, 'status');
  if (!isTenantStatus(status)) throw new CorruptItemError(readS(item, 'pk'), 'status');
  return {
    tenantId: readS(item, 'tenantId'),
    name: readS(item, 'name'),
    tier: readS(item, 'tier'),
    status,
    seats: readN(item, 'seats'),
    roleMappings: readStringMap(item, 'roleMappings'),
    ...(item.siloPools?.SS === undefined ? {} : { siloPools: [...item.siloPools.SS] }),
    createdAt: readS(item, 'createdAt'),
    updatedAt: readS(item, 'updatedAt'),
  };
}

/** The item of a membership. */
export function membershipItem(membership: Membership): Item {
  return {
    ...itemKey(keys.membership(membership.tenantId, membership.sub)),
    tenantId: S(membership.tenantId),
    sub: S(membership.sub),
    role: S(membership.role),
    source: S(membership.source),
    joinedAt: S(membership.joinedAt),
  };
}

/** Reads a membership item; throws `CorruptItemError` for an item the registry did not write. */
export function membershipFromItem(item: Item): Membership {
  const source = readS(item, 'source');
  if (!(MEMBERSHIP_SOURCES as readonly string[]).includes(source))
    throw new CorruptItemError(readS(item, 'pk'), 'source');
  return {
    tenantId: readS(item, 'tenantId'),
    sub: readS(item, 'sub'),
    role: readS(item, 'role'),
    source: source as MembershipSource,
    joinedAt: readS(item, 'joinedAt'),
  };
}
