import type { VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import type { Env } from '../runtime/settings';
import { createDecider, type Decider, type DeciderOptions } from './decide';
import { type PolicyConfig, policyConfigFromEnv } from './policy-config';

/**
 * The decider a deciding function builds at cold start: the engine from `TENANCY_POLICY_ENGINE`. The embedded
 * engine (and cedar-wasm) is imported on the first decision only, so it lands in its own chunk of the bundle,
 * with the WebAssembly file beside it (esbuild.config.cjs). A function that has already read the policy
 * configuration passes it as `config`, so the environment is read once.
 */
export function deciderFromEnv(
  env: Env,
  deps: {
    readonly config?: PolicyConfig;
    readonly stores: DeciderOptions['stores'];
    readonly links?: DeciderOptions['links'];
    readonly avpClient?: (tenantId: string) => VerifiedPermissionsClient | Promise<VerifiedPermissionsClient>;
    readonly metrics?: DeciderOptions['metrics'];
  },
): Decider {
  return createDecider({
    config: deps.config ?? policyConfigFromEnv(env),
    stores: deps.stores,
    embedded: async () => new (await import('./engines/embedded-engine')).EmbeddedEngine(),
    ...(deps.links === undefined ? {} : { links: deps.links }),
    ...(deps.avpClient === undefined ? {} : { avpClient: deps.avpClient }),
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
  });
}
