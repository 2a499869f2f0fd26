import type { RegistryReader } from '../registry/registry-reader';
import { NoTenantForUserError, SeatLimitError, TenantInactiveError } from '../runtime/errors';
import type { AssignmentConfig } from './assignment-config';
import type { NewUser } from './new-user';
import { lookupTenant } from './tenant-lookup';
import type { Resolution } from './tenant-resolution';

/** The gate's verdict for an admitted sign-up, and the response flags pre sign-up returns. */
export interface SignUpAdmission {
  readonly resolution: Exclude<Resolution, { kind: 'refuse' }>;
  /** The tier of the tenant the user would join (none for self-service). */
  readonly tier: string | undefined;
  readonly autoConfirmUser: boolean;
  readonly autoVerifyEmail: boolean;
}

/**
 * The pre sign-up gate: resolves the tenant read-only, with the same resolution as post confirmation, and
 * throws (`NoTenantForUserError`, `TenantInactiveError`, `SeatLimitError`) when no active tenant with a
 * free seat would take the user, so refused users are never created. It writes nothing: the seat is
 * taken atomically at post confirmation, which checks again.
 *
 * At this point Cognito has verified nothing, so an e-mail domain only proves that the domain is bound to an
 * active tenant; the user joins by domain at post confirmation, once `email_verified` is "true". For the same
 * reason auto-confirm (when configured) is never granted to a user placed by e-mail domain.
 *
 * Auto-verify (when configured) vouches for an address, so it is granted only where someone did verify it: a
 * federated sign-up (`PreSignUp_ExternalProvider`) through an identity provider bound to the tenant, whose
 * address that IdP asserts. Every native sign-up — by domain, app client, pool or self-service — keeps
 * Cognito's own verification: anyone can type any address into a sign-up form.
 */
export async function admitSignUp(
  registry: RegistryReader,
  config: AssignmentConfig,
  user: NewUser,
): Promise<SignUpAdmission> {
  const resolution = await lookupTenant(registry, user, {
    selfService: config.selfService,
    acceptUnverifiedEmail: true,
  });
  if (resolution.kind === 'refuse') throw new NoTenantForUserError(resolution.reason, resolution.code);
  let tier: string | undefined;
  if (resolution.kind === 'join') {
    const tenant = await registry.getTenant(resolution.tenantId);
    if (tenant === undefined) {
      throw new NoTenantForUserError(`binding names missing tenant ${resolution.tenantId}`, 'tenant-not-found');
    }
    if (tenant.status !== 'active') throw new TenantInactiveError(tenant.tenantId, tenant.status, tenant.tier);
    const seatLimit = config.tiers.has(tenant.tier) ? config.tiers.get(tenant.tier).seatLimit : 0;
    if (tenant.seats >= seatLimit) throw new SeatLimitError(tenant.tenantId, seatLimit, tenant.tier);
    tier = tenant.tier;
  }
  const byEmail = resolution.kind === 'join' && resolution.source === 'domain';
  const byBoundIdp =
    user.triggerSource === 'PreSignUp_ExternalProvider' && resolution.kind === 'join' && resolution.source === 'idp';
  return {
    resolution,
    tier,
    autoConfirmUser: config.autoConfirm && !byEmail,
    autoVerifyEmail: config.autoVerifyEmail && byBoundIdp,
  };
}
