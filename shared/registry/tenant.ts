/** Lifecycle states of a tenant. Only `active` tenants get tokens or new members. */
const TENANT_STATUSES = ['active', 'suspended', 'disabled'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** How a membership came to be; recorded for audit. */
export const MEMBERSHIP_SOURCES = [
  'pool',
  'idp',
  'client',
  'domain',
  'self-service',
  'invite',
  'adopt',
  // An existing user added to another tenant: by an operator (`tenants add-member`) or a tenant admin (API).
  'operator',
  'tenant-admin',
] as const;
export type MembershipSource = (typeof MEMBERSHIP_SOURCES)[number];

/** A tenant as the registry stores it. */
export interface Tenant {
  readonly tenantId: string;
  readonly name: string;
  readonly tier: string;
  readonly status: TenantStatus;
  /** Seats in use (one per member); the limit comes from the tier. */
  readonly seats: number;
  /** External IdP group name → role group of this suite. */
  readonly roleMappings: Readonly<Record<string, string>>;
  /**
   * The user pools bound to this tenant (silo), kept on the tenant item by `bind`/`unbind` so that every
   * reader of the tenant knows its pools without another read (`pool-pinning.ts`). Absent: none.
   */
  readonly siloPools?: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * States of a membership. Only `active` grants anything (tokens, API access, switching to the tenant);
 * `invited` is the seat an invitation reserves under a placeholder subject before Cognito has issued the
 * user's sub (docs/memberships.md). A membership item written before memberships had a status is `active`.
 */
export const MEMBERSHIP_STATUSES = ['active', 'invited'] as const;
export type MembershipStatus = (typeof MEMBERSHIP_STATUSES)[number];

/** A user's membership of a tenant: one per (tenant, user); a user may hold any number of them. */
export interface Membership {
  readonly tenantId: string;
  readonly sub: string;
  /** The role group this membership grants, in this tenant only. */
  readonly role: string;
  readonly status: MembershipStatus;
  readonly source: MembershipSource;
  /** Since when the user has been a member (ISO 8601). */
  readonly joinedAt: string;
}

/** Where the user lives in Cognito, so the suite can write `custom:tenantId` for them (by sub alone). */
export interface DirectoryUserRef {
  readonly userPoolId: string;
  /** The Cognito user name (the sub in pools whose sign-in is the e-mail address; `<provider>_<id>` federated). */
  readonly username: string;
}

/**
 * A user's memberships, read with one Query of the user's partition: every membership (the reverse items,
 * sorted by tenant id), the active tenant (the tenant `custom:tenantId` names, kept in the registry first
 * so that it is always backed by an active membership) and where the user lives in Cognito.
 */
export interface UserMemberships {
  readonly sub: string;
  readonly memberships: readonly Membership[];
  /** The active tenant; `undefined` when the user has none (never assigned, or every membership removed). */
  readonly activeTenantId: string | undefined;
  /** `undefined` for users recorded before the registry kept it (run `tenants migrate --pool`). */
  readonly directoryUser: DirectoryUserRef | undefined;
}

/** Whether a membership grants access: active (or written before memberships had a status). */
export function isActiveMembership(membership: Membership | undefined): membership is Membership {
  return membership?.status === 'active';
}

/** Whether a value is one of the known tenant statuses. */
export function isTenantStatus(value: unknown): value is TenantStatus {
  return typeof value === 'string' && (TENANT_STATUSES as readonly string[]).includes(value);
}
