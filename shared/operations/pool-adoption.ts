import type { RoleConfig } from '../assignment/assignment-config';
import type { DirectoryAdmin } from '../cognito/directory-admin';
import { assertUserPoolId } from '../registry/binding';
import type { Tenant } from '../registry/tenant';
import type { TenantAdmin } from '../registry/tenant-admin';
import { isValidTenantId } from '../registry/tenant-id';
import { SeatLimitError, TenantInactiveError } from '../runtime/errors';

/** A user the adoption looked at, by sub (never by e-mail address). */
export interface AdoptedUser {
  readonly sub: string;
  readonly tenantId: string;
  readonly role: string;
}

/** A user the adoption could not record, and why. */
export interface SkippedUser {
  readonly sub: string;
  readonly tenantId: string;
  readonly reason: string;
}

/** What `adoptPool` found and did. Re-running it moves users from `adopted` to `alreadyMembers`. */
export interface AdoptionReport {
  readonly userPoolId: string;
  readonly scanned: number;
  /** Memberships recorded by this run. */
  readonly adopted: AdoptedUser[];
  /** Users whose membership already existed (earlier run, sign-up or invitation). */
  readonly alreadyMembers: AdoptedUser[];
  /** Users without `custom:tenantId`: they get no tokens until assigned. */
  readonly withoutTenant: string[];
  /** Users whose `custom:tenantId` names no tenant of the registry (or is malformed). */
  readonly unknownTenant: SkippedUser[];
  /** Users of a known tenant that could not be recorded: no free seat, tenant not active. */
  readonly refused: SkippedUser[];
}

/** What adoption needs. */
export interface AdoptionDeps {
  readonly registry: TenantAdmin;
  readonly directory: DirectoryAdmin;
  readonly roles: RoleConfig;
}

/**
 * Adopts an existing pool: pages through its users and records a membership (and seat, source `adopt`) for
 * each user whose `custom:tenantId` names a known tenant, so attaching the suite to a live pool does not lock
 * them out. Members of the admin role group are recorded with that role, everyone else with the member role.
 * The operator's run is what vouches for the pool's existing attribute values (ARCHITECTURE.md "The one rule").
 * Changes nothing in Cognito and is safe to re-run: `addMember` is idempotent. Users are handled one at a time
 * so seats go to users in the pool's listing order and Cognito's request rate stays low.
 */
export async function adoptPool(deps: AdoptionDeps, userPoolId: string): Promise<AdoptionReport> {
  const { registry, directory, roles } = deps;
  assertUserPoolId(userPoolId);
  const admins = await directory.groupMemberSubs(userPoolId, roles.adminRole);
  const tenants = new Map<string, Tenant | undefined>();
  let scanned = 0;
  const report: Omit<AdoptionReport, 'scanned'> = {
    userPoolId,
    adopted: [],
    alreadyMembers: [],
    withoutTenant: [],
    unknownTenant: [],
    refused: [],
  };
  for await (const page of directory.listUsers(userPoolId)) {
    for (const user of page) {
      scanned++;
      const tenantId = user.tenantIdAttribute;
      if (tenantId === undefined) {
        report.withoutTenant.push(user.sub);
        continue;
      }
      if (!isValidTenantId(tenantId)) {
        report.unknownTenant.push({ sub: user.sub, tenantId, reason: 'malformed tenant id' });
        continue;
      }
      if (!tenants.has(tenantId)) tenants.set(tenantId, await registry.getTenant(tenantId));
      if (tenants.get(tenantId) === undefined) {
        report.unknownTenant.push({ sub: user.sub, tenantId, reason: 'no such tenant in the registry' });
        continue;
      }
      const role = admins.has(user.sub) ? roles.adminRole : roles.memberRole;
      try {
        const { membership, created } = await registry.addMember({
          tenantId,
          sub: user.sub,
          role,
          source: 'adopt',
          directoryUser: { userPoolId, username: user.username },
        });
        (created ? report.adopted : report.alreadyMembers).push({ sub: user.sub, tenantId, role: membership.role });
      } catch (error) {
        if (error instanceof SeatLimitError || error instanceof TenantInactiveError) {
          report.refused.push({ sub: user.sub, tenantId, reason: error.message });
          continue;
        }
        throw error;
      }
    }
  }
  return { ...report, scanned };
}
