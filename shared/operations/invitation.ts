import { createHash } from 'node:crypto';
import type { RoleConfig } from '../assignment/assignment-config';
import type { DirectoryAdmin, DirectoryUser } from '../cognito/directory-admin';
import { assertUserPoolId } from '../registry/binding';
import { emailDomainOf } from '../registry/email-domain';
import type { TenantAdmin } from '../registry/tenant-admin';
import { assertTenantId } from '../registry/tenant-id';
import { InvalidInputError, UserExistsError } from '../runtime/errors';

/** An operator's invitation of one e-mail address into a tenant. */
export interface InvitationRequest {
  readonly email: string;
  readonly tenantId: string;
  readonly userPoolId: string;
  /** Role group; the configured member role when absent. */
  readonly role?: string;
}

/**
 * What the invitation did. `invited`: a new user was created; `added`: a user the pool already had joined the
 * tenant (one more membership); `completed`: an earlier, interrupted invitation of the same user was finished.
 */
export interface InvitationResult {
  readonly status: 'invited' | 'added' | 'completed';
  readonly tenantId: string;
  readonly sub: string;
  readonly username: string;
  readonly role: string;
}

/** What an invitation needs. */
export interface InvitationDeps {
  readonly registry: TenantAdmin;
  readonly directory: DirectoryAdmin;
  readonly roles: RoleConfig;
}

/**
 * The subject under which an invitation reserves its seat before Cognito has issued the user's sub:
 * `invite-` and 32 hex characters of SHA-256(tenant, address). Deterministic, so a repeated invitation finds
 * its own reservation instead of taking a second seat.
 */
export function invitationPlaceholder(tenantId: string, email: string): string {
  const digest = createHash('sha256').update(`invite\n${tenantId}\n${email.toLowerCase()}`).digest('hex');
  return `invite-${digest.slice(0, 32)}`;
}

/** Checks an invitation without I/O: e-mail address, a configured role group, tenant and pool ids. */
export function validateInvitation(request: InvitationRequest, roles: RoleConfig): Required<InvitationRequest> {
  const email = request.email.trim();
  if (/\s/.test(email) || emailDomainOf(email) === undefined || email.length > 254) {
    throw new InvalidInputError(`invalid e-mail address ${JSON.stringify(request.email)}`, 'email');
  }
  const role = request.role ?? roles.memberRole;
  if (!roles.roleGroups.includes(role)) {
    throw new InvalidInputError(`unknown role "${role}" (role groups: ${roles.roleGroups.join(', ')})`, 'role');
  }
  return {
    email,
    role,
    tenantId: assertTenantId(request.tenantId),
    userPoolId: assertUserPoolId(request.userPoolId),
  };
}

/**
 * Invites a user the Cognito way, membership first:
 * 1. the seat is reserved in the registry under `invitationPlaceholder` (seat-limited, active tenants only:
 *    a suspended tenant or a full one refuses here, before Cognito is touched);
 * 2. the user is created with `AdminCreateUser` carrying `custom:tenantId` (Cognito e-mails the temporary
 *    password); if that fails, the reservation is removed and the seat released;
 * 3. the reservation becomes the user's membership in one transaction (seat unchanged), with its role: no
 *    Cognito group is written (docs/memberships.md "Role groups").
 * The seat count therefore never exceeds the limit, and no Cognito user exists without a reserved seat. An
 * interruption after step 2 leaves a user whose tokens the pre token trigger refuses (no membership yet);
 * running the same invitation again finishes it, and two concurrent runs share one reservation. A user the
 * pool already has gets a membership of the tenant instead (no second user), and `custom:tenantId` only when
 * it is their first.
 */
export async function inviteUser(deps: InvitationDeps, request: InvitationRequest): Promise<InvitationResult> {
  const { registry, directory } = deps;
  const { email, tenantId, userPoolId, role } = validateInvitation(request, deps.roles);
  const placeholder = invitationPlaceholder(tenantId, email);

  const existing = await directory.getUser(userPoolId, email);
  if (existing !== undefined) return finishExisting(deps, existing, { email, tenantId, userPoolId, placeholder, role });

  await registry.addMember({ tenantId, sub: placeholder, role, source: 'invite', status: 'invited' });
  let user: DirectoryUser;
  try {
    user = await directory.createInvitedUser(userPoolId, email, tenantId);
  } catch (error) {
    // The user appeared since the look-up: most likely a concurrent run of the same invitation, which the
    // shared reservation lets either run finish. Anything else releases the seat.
    const raced = error instanceof UserExistsError ? await directory.getUser(userPoolId, email) : undefined;
    if (raced !== undefined) {
      try {
        return await finishExisting(deps, raced, { email, tenantId, userPoolId, placeholder, role });
      } catch (finishError) {
        await registry.removeMember(tenantId, placeholder);
        throw finishError;
      }
    }
    await registry.removeMember(tenantId, placeholder);
    throw error;
  }
  const membership = await registry.transferMembership(tenantId, placeholder, user.sub, {
    userPoolId,
    username: user.username,
  });
  return { status: 'invited', tenantId, sub: user.sub, username: user.username, role: membership.role };
}

async function finishExisting(
  deps: InvitationDeps,
  user: DirectoryUser,
  request: { email: string; tenantId: string; userPoolId: string; placeholder: string; role: string },
): Promise<InvitationResult> {
  const { registry, directory } = deps;
  const { tenantId, userPoolId, placeholder } = request;
  const directoryUser = { userPoolId, username: user.username };
  const [existing, reservation] = await Promise.all([
    registry.getMembership(tenantId, user.sub, { consistent: true }),
    registry.getMembership(tenantId, placeholder, { consistent: true }),
  ]);
  let membership = existing;
  let status: InvitationResult['status'] = 'completed';
  if (membership === undefined && reservation !== undefined && user.tenantIdAttribute === tenantId) {
    // Created by an interrupted invitation of ours: same tenant attribute, and our reservation still holds.
    membership = await registry.transferMembership(tenantId, placeholder, user.sub, directoryUser);
  } else {
    if (membership === undefined) {
      // A user the pool already has joins one more tenant: a membership, not a second user.
      membership = (
        await registry.addMember({ tenantId, sub: user.sub, role: request.role, source: 'invite', directoryUser })
      ).membership;
      status = 'added';
    }
    // A reservation left by a concurrent or interrupted run of this invitation is not needed: its seat goes back.
    if (reservation !== undefined) await registry.removeMember(tenantId, placeholder);
  }
  // custom:tenantId says the active tenant: written when this membership became it (the user's first).
  const active = await registry.getUserTenantId(user.sub, { consistent: true });
  if (active !== undefined && user.tenantIdAttribute !== active) {
    await directory.setTenantId(userPoolId, user.username, active);
  }
  return { status, tenantId, sub: user.sub, username: user.username, role: membership.role };
}
