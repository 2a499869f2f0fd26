import { ConfigurationError } from '../runtime/errors';
import { type Env, readInteger, readString, rejectUnknownSettings } from '../runtime/settings';

/** The two engines `decide` can use (docs/cedar.md "Choosing the engine"). */
export const POLICY_ENGINES = ['embedded', 'avp'] as const;
export type PolicyEngineKind = (typeof POLICY_ENGINES)[number];

/** How a deciding function decides. */
export interface PolicyConfig {
  readonly engine: PolicyEngineKind;
  /**
   * Milliseconds a container trusts a tenant's policy store record: a share or a synced policy reaches other
   * containers within this time (the container that shares sees it at once).
   */
  readonly cacheTtlMs: number;
}

/** Reads `TENANCY_POLICY_ENGINE` (default `embedded`) and `TENANCY_POLICY_CACHE_SECONDS` (default 5, 0–300). */
export function policyConfigFromEnv(env: Env): PolicyConfig {
  rejectUnknownSettings(env);
  const engine = readString(env, 'TENANCY_POLICY_ENGINE') ?? 'embedded';
  if (!(POLICY_ENGINES as readonly string[]).includes(engine)) {
    throw new ConfigurationError(
      `must be one of ${POLICY_ENGINES.join(', ')}, got "${engine}"`,
      'TENANCY_POLICY_ENGINE',
    );
  }
  return {
    engine: engine as PolicyEngineKind,
    cacheTtlMs: readInteger(env, 'TENANCY_POLICY_CACHE_SECONDS', 5, 0, 300) * 1000,
  };
}
