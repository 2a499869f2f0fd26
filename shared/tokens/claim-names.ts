import { ConfigurationError } from '../runtime/errors';
import { type Env, readString, type SettingName } from '../runtime/settings';
import { isReservedClaim } from './reserved-claims';

/** Names of the tenant claims in tokens; the pre-token trigger writes them and the authorizer reads them. */
export interface ClaimNames {
  readonly tenantId: string;
  readonly tier: string;
}

const CLAIM_NAME = /^[A-Za-z][\w:.-]{0,63}$/;

function claimName(env: Env, setting: SettingName, fallback: string): string {
  const name = readString(env, setting) ?? fallback;
  if (!CLAIM_NAME.test(name)) throw new ConfigurationError(`"${name}" is not a valid claim name`, setting);
  if (isReservedClaim(name)) throw new ConfigurationError(`"${name}" is a reserved claim and cannot be set`, setting);
  return name;
}

/** Reads `TENANCY_TENANT_ID_CLAIM` (default `tenantId`) and `TENANCY_TIER_CLAIM` (default `tier`). */
export function claimNamesFromEnv(env: Env): ClaimNames {
  const names = {
    tenantId: claimName(env, 'TENANCY_TENANT_ID_CLAIM', 'tenantId'),
    tier: claimName(env, 'TENANCY_TIER_CLAIM', 'tier'),
  };
  if (names.tenantId === names.tier) {
    throw new ConfigurationError('the tenant id and tier claims must have different names', 'TENANCY_TIER_CLAIM');
  }
  return names;
}
