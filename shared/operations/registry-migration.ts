import type { RoleConfig } from '../assignment/assignment-config';
import type { DirectoryAdmin } from '../cognito/directory-admin';
import { assertUserPoolId } from '../registry/binding';
import type { TenantAdmin, UpgradeScan } from '../registry/tenant-admin';
import { InvalidInputError, RegistryUnavailableError } from '../runtime/errors';

/** What `tenants migrate` is asked to do besides the registry items. */
export interface MigrationOptions {
  /** The user pool: records where each user lives (user name) and allows `removeRoleGroups`. */
  readonly userPoolId?: string | undefined;
  /** Remove every user from the configured role groups (`TENANCY_ROLE_GROUPS`), which no longer mean anything. */
  readonly removeRoleGroups?: boolean;
}

/** What `migrateRegistry` did; a second run reports zeros everywhere but `scanned`. */
export interface MigrationReport {
  /** Membership items looked at. */
  readonly scanned: number;
  /** Memberships given their status and reverse item. */
  readonly memberships: number;
  /** Tenants whose admin count was written (absent before, or wrong). */
  readonly adminCounts: number;
  /** User items given their Cognito location (needs the pool). */
  readonly usersLocated: number;
  /** User items still without a Cognito location (no pool given, or the pool has no such user). */
  readonly usersUnlocated: string[];
  /** Users removed from a role group, as `group:username`. */
  readonly groupRemovals: number;
}

/** What the migration needs; the directory only with a pool. */
export interface MigrationDeps {
  readonly registry: TenantAdmin;
  readonly directory?: DirectoryAdmin;
  readonly roles: RoleConfig;
}

// Counting admins races live promotions and removals; each conflict means counting again from a new scan.
const COUNT_ROUNDS = 5;

/**
 * Brings a registry written by an earlier version up to memberships (docs/memberships.md "Upgrading"),
 * idempotently, while the suite keeps serving:
 * 1. each membership without a status or a reverse item gets both (one transaction each, audited);
 * 2. each tenant's admin count is set to its active admin memberships (conditioned on the value read);
 * 3. with a pool, each user item without a Cognito location gets the user name (found by sub);
 * 4. with a pool and `removeRoleGroups`, every user leaves the configured role groups: the role is the
 *    membership's now, and pre token generation never copies Cognito groups into a tenant token.
 * Nothing is needed for reads to work before it runs (old items read as active memberships); until it has
 * run, a demotion or removal of an admin in an old tenant is refused as if it were the last admin.
 */
export async function migrateRegistry(deps: MigrationDeps, options: MigrationOptions = {}): Promise<MigrationReport> {
  const { registry, directory, roles } = deps;
  const userPoolId = options.userPoolId === undefined ? undefined : assertUserPoolId(options.userPoolId);
  if (options.removeRoleGroups === true && userPoolId === undefined) {
    throw new InvalidInputError('removing role groups needs the user pool (--pool)', 'pool');
  }
  if (userPoolId !== undefined && directory === undefined) {
    throw new InvalidInputError('a user pool was named but no directory is open', 'pool');
  }

  let scan = await registry.scanForUpgrade();
  let memberships = 0;
  for (const { membership, hasStatus, hasReverse } of scan.memberships) {
    if (await registry.upgradeMembership(membership, hasStatus, hasReverse)) memberships++;
  }

  let adminCounts = 0;
  for (let round = 0; ; round++) {
    if (memberships > 0 || round > 0) scan = await registry.scanForUpgrade();
    let conflicts = 0;
    for (const { tenantId, admins } of scan.tenants) {
      const count = countAdmins(scan, tenantId, roles.adminRole);
      if (admins === count) continue;
      if (await registry.setAdminCount(tenantId, count, admins)) adminCounts++;
      else conflicts++;
    }
    if (conflicts === 0) break;
    if (round >= COUNT_ROUNDS) throw new RegistryUnavailableError('migrate (admin counts kept changing)');
  }

  let usersLocated = 0;
  const usersUnlocated: string[] = [];
  for (const user of scan.users) {
    if (user.directoryUser !== undefined) continue;
    const found = userPoolId === undefined ? undefined : await directory?.findBySub(userPoolId, user.sub);
    if (found !== undefined && userPoolId !== undefined) {
      if (await registry.recordDirectoryUser(user.sub, { userPoolId, username: found.username })) usersLocated++;
    } else {
      usersUnlocated.push(user.sub);
    }
  }

  let groupRemovals = 0;
  if (options.removeRoleGroups === true && userPoolId !== undefined && directory !== undefined) {
    for (const group of roles.roleGroups) {
      for (const user of await directory.groupMembers(userPoolId, group)) {
        await directory.removeFromGroup(userPoolId, user.username, group);
        groupRemovals++;
      }
    }
  }

  return { scanned: scan.memberships.length, memberships, adminCounts, usersLocated, usersUnlocated, groupRemovals };
}

/** The tenant's active memberships with the admin role, as the scan saw them (old items read as active). */
function countAdmins(scan: UpgradeScan, tenantId: string, adminRole: string): number {
  return scan.memberships.filter(
    ({ membership }) =>
      membership.tenantId === tenantId && membership.status === 'active' && membership.role === adminRole,
  ).length;
}
