import type { TenantDirectory } from '../cognito/tenant-directory';
import type { MembershipSource } from '../registry/tenant';
import type { TenantRegistry } from '../registry/tenant-registry';
import { type DecisionMetrics, loggedDecisions } from '../runtime/decision-metrics';
import { NoTenantForUserError, TenancyError, TenantExistsError } from '../runtime/errors';
import type { HandlerLogger } from '../runtime/handler-logger';
import type { AssignmentConfig } from './assignment-config';
import type { NewUser } from './new-user';
import { selfServiceTenantId } from './self-service-tenant';
import { lookupTenant } from './tenant-lookup';
import { placementReason } from './tenant-resolution';

/** What post confirmation needs to assign a tenant. */
export interface AssignmentDeps {
  readonly registry: TenantRegistry;
  readonly directory: TenantDirectory;
  readonly config: AssignmentConfig;
  readonly logger: Pick<HandlerLogger, 'debug' | 'info' | 'warn' | 'error'>;
  /**
   * Counts the assignment (docs/observability.md "Metrics") and writes its log line, in one line; without it
   * nothing is counted and the line goes to `logger`.
   */
  readonly metrics?: Pick<DecisionMetrics, 'record'>;
}

/** The result of an assignment, for logs and tests. */
export interface Assignment {
  readonly tenantId: string;
  readonly role: string;
  /** How the membership came to be; `existing` for a user who already had one (a retry). */
  readonly source: MembershipSource | 'existing';
  /** Whether this run wrote the membership (false on a retry). */
  readonly created: boolean;
  /** The tenant's tier, when this run read it (for the metric). */
  readonly tier?: string | undefined;
}

/**
 * Assigns a confirmed user to exactly one tenant (ARCHITECTURE.md "Tenant resolution"), committing in this order:
 * the registry first, atomically (membership, user item and seat, via `addMember`), then Cognito
 * (`custom:tenantId`, then the role group). Idempotent: a retry finds the membership (step 1 of
 * resolution), never reassigns it, and redoes the Cognito steps, which are idempotent themselves.
 *
 * A `custom:tenantId` that differs from the committed tenant was not written by this suite (the registry,
 * written first, would back it) and is overwritten with a warning naming the likely cause.
 */
export async function assignTenant(deps: AssignmentDeps, user: NewUser): Promise<Assignment> {
  const { registry, directory, config, logger } = deps;
  const sub = user.sub;
  if (sub === undefined) throw new TenancyError('post confirmation event has no sub');
  const resolution = await lookupTenant(registry, user, {
    selfService: config.selfService,
    acceptUnverifiedEmail: false,
  });

  // Recorded on the user item so later membership changes can write custom:tenantId by sub alone.
  const directoryUser = { userPoolId: user.userPoolId, username: user.userName };
  let assignment: Assignment;
  switch (resolution.kind) {
    case 'member': {
      const membership = await registry.getMembership(resolution.tenantId, sub);
      if (membership === undefined) {
        throw new TenancyError(
          `registry holds a user item for ${sub} without its membership in ${resolution.tenantId}`,
        );
      }
      assignment = { tenantId: membership.tenantId, role: membership.role, source: 'existing', created: false };
      break;
    }
    case 'join': {
      const { membership, created, tier } = await registry.addMember({
        tenantId: resolution.tenantId,
        sub,
        role: config.memberRole,
        source: resolution.source,
        directoryUser,
      });
      assignment = { tenantId: membership.tenantId, role: membership.role, source: membership.source, created, tier };
      break;
    }
    case 'self-service': {
      const tenantId = selfServiceTenantId(user.userPoolId, sub);
      try {
        await registry.createTenant(
          { tenantId, name: `Self-service ${sub}`, tier: config.selfServiceTier },
          'self-service',
        );
      } catch (error) {
        // A retry after a run that created the tenant but not the membership: the derived id finds it again.
        if (!(error instanceof TenantExistsError)) throw error;
      }
      const { membership, created, tier } = await registry.addMember({
        tenantId,
        sub,
        role: config.adminRole,
        source: 'self-service',
        directoryUser,
      });
      assignment = { tenantId, role: membership.role, source: 'self-service', created, tier };
      break;
    }
    case 'refuse':
      throw new NoTenantForUserError(resolution.reason, resolution.code);
  }

  if (user.tenantIdAttribute !== assignment.tenantId) {
    if (user.tenantIdAttribute !== undefined) {
      logger.warn('custom:tenantId was not written by this suite and no membership backs it; overwriting it', {
        sub,
        tenantId: assignment.tenantId,
        unbackedTenantId: user.tenantIdAttribute,
        likelyCause:
          'an app client lists custom:tenantId in WriteAttributes, or an IdP attribute mapping targets it; remove both',
      });
    }
    await directory.setTenantId(user.userPoolId, user.userName, assignment.tenantId);
  }
  await directory.addToGroup(user.userPoolId, user.userName, assignment.role);
  const reason = placementReason(assignment.source);
  // One line: the count and the log (the trigger appended triggerSource and sub to the logger's keys).
  (deps.metrics ?? loggedDecisions(logger)).record('assigned', reason, assignment.tier, {
    level: 'INFO',
    message: 'tenant assigned',
    fields: { tenantId: assignment.tenantId, source: assignment.source, created: assignment.created },
  });
  return assignment;
}
