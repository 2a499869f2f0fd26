import { CorruptItemError, type Item, M, N, readN, readS, readStringMap, S } from './dynamo-item';
import { keys } from './registry-keys';
import { itemKey } from './registry-table';
import {
  type DirectoryUserRef,
  isTenantStatus,
  MEMBERSHIP_SOURCES,
  MEMBERSHIP_STATUSES,
  type Membership,
  type MembershipSource,
  type MembershipStatus,
  type Tenant,
} from './tenant';

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

function membershipAttributes(membership: Membership): Item {
  return {
    tenantId: S(membership.tenantId),
    sub: S(membership.sub),
    role: S(membership.role),
    status: S(membership.status),
    source: S(membership.source),
    joinedAt: S(membership.joinedAt),
  };
}

/** The item of a membership, under the tenant. */
export function membershipItem(membership: Membership): Item {
  return { ...itemKey(keys.membership(membership.tenantId, membership.sub)), ...membershipAttributes(membership) };
}

/** The reverse item of a membership, under the user: the same attributes, so one Query lists them all. */
export function userMembershipItem(membership: Membership): Item {
  return { ...itemKey(keys.userMembership(membership.sub, membership.tenantId)), ...membershipAttributes(membership) };
}

/**
 * Reads a membership item (either copy); throws `CorruptItemError` for an item the registry did not write.
 * An item without `status` was written before memberships had one, when every membership was active.
 */
export function membershipFromItem(item: Item): Membership {
  const source = readS(item, 'source');
  if (!(MEMBERSHIP_SOURCES as readonly string[]).includes(source))
    throw new CorruptItemError(readS(item, 'pk'), 'source');
  const status = item.status === undefined ? 'active' : readS(item, 'status');
  if (!(MEMBERSHIP_STATUSES as readonly string[]).includes(status))
    throw new CorruptItemError(readS(item, 'pk'), 'status');
  return {
    tenantId: readS(item, 'tenantId'),
    sub: readS(item, 'sub'),
    role: readS(item, 'role'),
    status: status as MembershipStatus,
    source: source as MembershipSource,
    joinedAt: readS(item, 'joinedAt'),
  };
}

/** The active tenant and Cognito location a user item holds (either may be absent). */
export interface UserItemFacts {
  readonly activeTenantId: string | undefined;
  readonly directoryUser: DirectoryUserRef | undefined;
}

/** Reads a user item (`USER#<sub>`/`TENANT`); a missing item is a user with no active tenant. */
export function userFromItem(item: Item | undefined): UserItemFacts {
  if (item === undefined) return { activeTenantId: undefined, directoryUser: undefined };
  const userPoolId = item.userPoolId?.S;
  const username = item.username?.S;
  return {
    activeTenantId: item.tenantId?.S,
    directoryUser: userPoolId === undefined || username === undefined ? undefined : { userPoolId, username },
  };
}
