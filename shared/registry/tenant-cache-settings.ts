import { type Env, readInteger } from '../runtime/settings';

/** How long tenant records are trusted, shared by pre token generation and the authorizer. */
export interface TenantCacheSettings {
  /** How long a registry read is fresh, in milliseconds (0: read on every request). */
  readonly cacheTtlMs: number;
  /** How long past freshness an entry may still serve while the registry fails, in milliseconds. */
  readonly staleTtlMs: number;
}

/** Reads `TENANCY_CACHE_TTL_SECONDS` (0-3600, default 60) and `TENANCY_STALE_TTL_SECONDS` (0-86400, default 600). */
export function tenantCacheSettingsFromEnv(env: Env): TenantCacheSettings {
  return {
    cacheTtlMs: readInteger(env, 'TENANCY_CACHE_TTL_SECONDS', 60, 0, 3600) * 1000,
    staleTtlMs: readInteger(env, 'TENANCY_STALE_TTL_SECONDS', 600, 0, 86_400) * 1000,
  };
}
