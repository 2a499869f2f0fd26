import type { TenantDirectory } from '../cognito/tenant-directory';
import { makeBinding } from '../registry/binding';
import type { MembershipRegistry, RemovalResult } from '../registry/membership-registry';
import { pinnedToPool } from '../registry/pool-pinning';
import { validateDirectoryUser, validateSub } from '../registry/registry-rules';
import {
  type DirectoryUserRef,
  isActiveMembership,
  type Membership,
  type MembershipSource,
  type TenantStatus,
} from '../registry/tenant';
import { assertTenantId } from '../registry/tenant-id';
import {
  AccessDeniedError,
  DirectoryUnavailableError,
  InvalidInputError,
  PoolMismatchError,
  TenancyError,
} from '../runtime/errors';
import type { ReasonCode } from '../runtime/reason-codes';

/**
 * Who asks for a membership change. Operators (the `tenants` CLI) act on any tenant. A tenant admin acts
 * only on the tenant of the verified request context (the authorizer's `tenantId` and `sub`, never a body
 * field), and only while the registry says that they are an active admin of it: a token issued before a
 * demotion does not carry the old role into these operations.
 */
export type MembershipActor =
  | { readonly kind: 'operator' }
  | { readonly kind: 'tenant-admin'; readonly tenantId: string; readonly sub: string };

/** One of the caller's memberships, as `GET /me/tenants` shows it. */
export interface TenantChoice {
  readonly tenantId: string;
  /** The tenant's display name; `undefined` when the tenant item is gone. */
  readonly name: string | undefined;
  readonly role: string;
  /** The tenant's status (`undefined` when it is gone); only `active` tenants can be switched to. */
  readonly tenantStatus: TenantStatus | undefined;
  /** Whether this is the active tenant (`custom:tenantId`). */
  readonly active: boolean;
}

/** What happened to `custom:tenantId` after a registry change. */
export type DirectoryOutcome =
  /** Written (or cleared) to match the registry's active tenant. */
  | 'written'
  /** Nothing to write: the change did not move the active tenant. */
  | 'unchanged'
  /** The registry does not know where the user lives in Cognito (recorded before it kept that: `tenants migrate`). */
  | 'unknown-user';

/** The outcome of a switch of the active tenant. */
export interface SwitchOutcome {
  readonly tenantId: string;
  readonly previousTenantId: string | undefined;
  readonly changed: boolean;
  readonly directory: DirectoryOutcome;
  /** What the client must do: tokens carry the tenant they were issued for until refreshed. */
  readonly next: 'refresh-tokens';
}

/** The outcome of a removal. */
export interface RemovalOutcome extends RemovalResult {
  readonly directory: DirectoryOutcome;
}

/** What the operations need. */
export interface MembershipOperationsDeps {
  readonly registry: MembershipRegistry;
  /**
   * Writes `custom:tenantId`; only `setTenantId` and `clearTenantId` are used. Without it (a role change needs
   * none) an operation that must write `custom:tenantId` fails before changing anything.
   */
  readonly directory?: Pick<TenantDirectory, 'setTenantId' | 'clearTenantId'>;
  /** The role groups a membership may have (`TENANCY_ROLE_GROUPS`). */
  readonly roleGroups: readonly string[];
}

/** A user to add: the sub, and where the user lives in Cognito (so `custom:tenantId` can be written). */
export interface MemberToAdd {
  readonly sub: string;
  readonly directoryUser: DirectoryUserRef;
}

// The registry's active tenant and custom:tenantId are written one after the other; a concurrent change in
// between is caught by reading the registry again after the write (docs/memberships.md).
const SYNC_ROUNDS = 3;

/**
 * The membership operations the `tenants` CLI and the members API share (docs/memberships.md): list a user's
 * tenants, switch the active tenant, add a member, change a role, remove a member. Each registry change is one
 * transaction with its guards and audit item (`MembershipRegistry`); the Cognito write of `custom:tenantId`
 * follows, only when the active tenant moved, so a change costs at most one `UserUpdate` call.
 */
export class MembershipOperations {
  readonly #registry: MembershipRegistry;
  readonly #directory: MembershipOperationsDeps['directory'] | undefined;
  readonly #roleGroups: readonly string[];

  constructor(deps: MembershipOperationsDeps) {
    this.#registry = deps.registry;
    this.#directory = deps.directory;
    this.#roleGroups = deps.roleGroups;
  }

  /**
   * The user's active memberships with their tenants' names and statuses, and which one is active: one Query
   * plus one read per tenant (each tenant once).
   */
  async listTenants(sub: string): Promise<TenantChoice[]> {
    validateSub(sub);
    const user = await this.#registry.listMemberships(sub);
    const memberships = user.memberships.filter(isActiveMembership);
    const tenants = await Promise.all(memberships.map((m) => this.#registry.getTenant(m.tenantId)));
    return memberships.map((membership, index) => ({
      tenantId: membership.tenantId,
      name: tenants[index]?.name,
      role: membership.role,
      tenantStatus: tenants[index]?.status,
      active: membership.tenantId === user.activeTenantId,
    }));
  }

  /**
   * Switches the caller's active tenant (`sub` from the verified context, never from a body): the registry
   * first, conditioned on an active membership of an active tenant, then `custom:tenantId`. `tokenTenantId`
   * (the tenant of the token the caller presented) lets a repeated switch repair a `custom:tenantId` that an
   * interrupted earlier switch left behind, without a Cognito write when there is nothing to repair.
   * `fallbackUser` (the caller's pool and user name from the token) is used when the registry does not know
   * where the user lives. `MembershipNotFoundError` for a tenant the caller does not belong to (answer it like
   * an unknown tenant), `TenantInactiveError` for a member of an inactive tenant.
   */
  async switchTenant(
    sub: string,
    tenantId: string,
    options: { tokenTenantId?: string; fallbackUser?: DirectoryUserRef } = {},
  ): Promise<SwitchOutcome> {
    this.#requireDirectory();
    const result = await this.#registry.switchActiveTenant(validateSub(sub), assertTenantId(tenantId));
    const needsWrite = result.changed || options.tokenTenantId !== tenantId;
    const user = result.directoryUser ?? options.fallbackUser;
    const directory = needsWrite ? await this.#sync(sub, user) : 'unchanged';
    return {
      tenantId,
      previousTenantId: result.previousTenantId,
      changed: result.changed,
      directory,
      next: 'refresh-tokens',
    };
  }

  /**
   * Adds an existing user to a tenant with `role` (a configured role group), taking a seat (`SeatLimitError`
   * when full; `TenantInactiveError` when not active). The membership becomes the user's active tenant only
   * when they had none, and only then is `custom:tenantId` written. Idempotent: `created` is false when the
   * user already was a member (their role is left as it is).
   */
  async addMember(
    actor: MembershipActor,
    tenantId: string,
    member: MemberToAdd,
    role: string,
  ): Promise<{ membership: Membership; created: boolean; directory: DirectoryOutcome }> {
    assertTenantId(tenantId);
    validateSub(member.sub);
    validateDirectoryUser(member.directoryUser);
    this.#checkRole(role);
    this.#requireDirectory();
    const reason = await this.#authorize(actor, tenantId, 'AddMember');
    // Silo pinning (registry/pool-pinning.ts): a user of pool X never joins a tenant pinned to pool Y.
    const { userPoolId } = member.directoryUser;
    const [tenant, poolTenant] = await Promise.all([
      this.#registry.getTenant(tenantId, { consistent: true }),
      this.#registry.resolveBinding(makeBinding('pool', userPoolId)),
    ]);
    if (tenant !== undefined && !pinnedToPool(userPoolId, poolTenant, tenant)) {
      throw new PoolMismatchError(tenantId, userPoolId);
    }
    const before = await this.#registry.getUserTenantId(member.sub, { consistent: true });
    const { membership, created } = await this.#registry.addMember({
      tenantId,
      sub: member.sub,
      role,
      source: sourceOf(reason),
      directoryUser: member.directoryUser,
    });
    const directory =
      created && before === undefined ? await this.#sync(member.sub, member.directoryUser) : 'unchanged';
    return { membership, created, directory };
  }

  /** Changes a member's role (a configured role group); `LastAdminError` for the last tenant admin. */
  async setRole(actor: MembershipActor, tenantId: string, sub: string, role: string): Promise<Membership> {
    assertTenantId(tenantId);
    validateSub(sub);
    this.#checkRole(role);
    const reason = await this.#authorize(actor, tenantId, 'SetRole');
    return this.#registry.setRole(tenantId, sub, role, reason);
  }

  /**
   * Removes a member (seat released; `LastAdminError` for the last tenant admin). When it was the user's active
   * tenant, the registry moves it to the user's oldest other active membership of an active tenant, or clears
   * it, and `custom:tenantId` follows. An operator removing a membership that is already gone re-writes
   * `custom:tenantId` from the registry, so running the command again repairs an interrupted removal.
   */
  async removeMember(
    actor: MembershipActor,
    tenantId: string,
    sub: string,
    options: { fallbackUser?: DirectoryUserRef } = {},
  ): Promise<RemovalOutcome> {
    assertTenantId(tenantId);
    validateSub(sub);
    this.#requireDirectory();
    const reason = await this.#authorize(actor, tenantId, 'RemoveMember');
    const result = await this.#registry.removeMember(tenantId, sub, reason);
    const repair = !result.removed && actor.kind === 'operator';
    const user = result.directoryUser ?? options.fallbackUser;
    const directory = result.activeChanged || repair ? await this.#sync(sub, user) : 'unchanged';
    return { ...result, directory };
  }

  /**
   * Writes the registry's active tenant into `custom:tenantId` (or clears it), then reads the registry again:
   * a change committed meanwhile by another operation (whose own write may have landed first) is written
   * too, so the last write always matches the registry.
   */
  async #sync(sub: string, user: DirectoryUserRef | undefined): Promise<DirectoryOutcome> {
    const directory = this.#requireDirectory();
    if (user === undefined) return 'unknown-user';
    let active = await this.#registry.getUserTenantId(sub, { consistent: true });
    for (let round = 0; round < SYNC_ROUNDS; round++) {
      if (active === undefined) await directory.clearTenantId(user.userPoolId, user.username);
      else await directory.setTenantId(user.userPoolId, user.username, active);
      const after = await this.#registry.getUserTenantId(sub, { consistent: true });
      if (after === active) return 'written';
      active = after;
    }
    throw new DirectoryUnavailableError('AdminUpdateUserAttributes (the active tenant kept changing)');
  }

  /** The directory, or a `TenancyError` before anything changed when the caller opened none. */
  #requireDirectory(): NonNullable<MembershipOperationsDeps['directory']> {
    if (this.#directory === undefined) throw new TenancyError('this membership operation needs the user pool');
    return this.#directory;
  }

  /** Refuses a role that is not a configured role group. */
  #checkRole(role: string): void {
    if (!this.#roleGroups.includes(role)) {
      throw new InvalidInputError(`unknown role "${role}" (role groups: ${this.#roleGroups.join(', ')})`, 'role');
    }
  }

  /**
   * The reason code the change is recorded with, once the actor may act on `tenantId`: operators always; a
   * tenant admin only in the tenant of the verified context, and only while the registry holds their active
   * admin membership there.
   */
  async #authorize(actor: MembershipActor, tenantId: string, action: string): Promise<ReasonCode> {
    if (actor.kind === 'operator') return 'operator-request';
    if (actor.tenantId !== tenantId) throw new AccessDeniedError(action, `tenant ${tenantId}`);
    const own = await this.#registry.getMembership(tenantId, actor.sub, { consistent: true });
    if (!isActiveMembership(own) || own.role !== this.#registry.adminRole) {
      throw new AccessDeniedError(action, `tenant ${tenantId}`);
    }
    return 'tenant-admin-request';
  }
}

/** How an added membership is recorded: who added it. */
function sourceOf(reason: ReasonCode): MembershipSource {
  return reason === 'operator-request' ? 'operator' : 'tenant-admin';
}
