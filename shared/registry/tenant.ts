/** Lifecycle states of a tenant. Only `active` tenants get tokens or new members. */
export const TENANT_STATUSES = ['active', 'suspended', 'disabled'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** How a membership came to be; recorded for audit. */
export const MEMBERSHIP_SOURCES = ['pool', 'idp', 'client', 'domain', 'self-service', 'invite', 'adopt'] as const;
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

/** A user's membership of a tenant. */
export interface Membership {
  readonly tenantId: string;
  readonly sub: string;
  readonly role: string;
  readonly source: MembershipSource;
  readonly joinedAt: string;
}

/** Whether a value is one of the known tenant statuses. */
export function isTenantStatus(value: unknown): value is TenantStatus {
  return typeof value === 'string' && (TENANT_STATUSES as readonly string[]).includes(value);
}
