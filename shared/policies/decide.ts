import type { VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import type { PolicyStoreRecord, PolicyStoreRegistry } from '../registry/policy-store-registry';
import { TenantCache } from '../registry/tenant-cache';
import type { DecisionMetrics } from '../runtime/decision-metrics';
import { PolicyStoreNotFoundError } from '../runtime/errors';
import { type ReasonCode, reasonOf } from '../runtime/reason-codes';
import { AvpEngine } from './avp-engine';
import { cedarRequest, type Decision, type DecisionRequest } from './cedar-model';
import type { EmbeddedEngine } from './embedded-engine';
import type { PolicyConfig } from './policy-config';

/** What a decider needs; the engines are created on first use only. */
export interface DeciderOptions {
  readonly config: PolicyConfig;
  readonly stores: Pick<PolicyStoreRegistry, 'getRecord' | 'listLinks'>;
  /** The embedded engine (`engine: embedded`); its module is imported on the first decision. */
  readonly embedded?: () => Promise<EmbeddedEngine>;
  /** A Verified Permissions client with the tenant's scoped credentials (`engine: avp`). */
  readonly avpClient?: (tenantId: string) => VerifiedPermissionsClient | Promise<VerifiedPermissionsClient>;
  /** Counts each decision (README "Metrics": `allowed`/`denied` by policy reason, `failed`). */
  readonly metrics?: Pick<DecisionMetrics, 'record'>;
}

/** Why Cedar answered as it did: a permit, a forbid that matched, or no permit at all (the default deny). */
function policyReason(decision: Decision): ReasonCode {
  if (decision.decision === 'allow') return 'policy-permit';
  return decision.determiningPolicies.length > 0 ? 'policy-forbid' : 'no-policy-permits';
}

/** One decision interface for both engines. */
export interface Decider {
  /** Decides a request on the caller's tenant's policy store; throws `PolicyEngineError` when it cannot. */
  decide(request: DecisionRequest): Promise<Decision>;
  /** The tenant's store record changed in this container (a share): re-read it on the next decision. */
  forget(tenantId: string): void;
}

/**
 * Creates `decide`. The store is always the *caller's* tenant's (from the authorizer), never one named by
 * the request; the record is cached per container like the tenant record.
 */
export function createDecider(options: DeciderOptions): Decider {
  const cache = new TenantCache<PolicyStoreRecord | undefined>({
    ttlMs: options.config.cacheTtlMs,
    staleTtlMs: 0,
  });
  let embedded: EmbeddedEngine | undefined;

  const record = async (tenantId: string): Promise<PolicyStoreRecord> => {
    const found =
      cache.fresh(tenantId)?.value ?? (await cache.get(tenantId, () => options.stores.getRecord(tenantId))).value;
    if (found === undefined) throw new PolicyStoreNotFoundError(tenantId);
    return found;
  };

  const decideEmbedded = async (tenantId: string, store: PolicyStoreRecord, request: DecisionRequest) => {
    embedded ??= await requireOption(options.embedded, 'embedded')();
    if (!embedded.isPrepared(tenantId, store.version)) {
      const links = await options.stores.listLinks(tenantId);
      await embedded.prepare(tenantId, { ...store, links });
    }
    return embedded.decide(tenantId, cedarRequest(request));
  };

  const decideAvp = async (tenantId: string, store: PolicyStoreRecord, request: DecisionRequest) => {
    if (store.policyStoreId === undefined) throw new PolicyStoreNotFoundError(tenantId);
    const client = await requireOption(options.avpClient, 'avp')(tenantId);
    return new AvpEngine(client).decide(store.policyStoreId, cedarRequest(request));
  };

  return {
    async decide(request) {
      const tenantId = request.principal.tenantId;
      let decision: Decision;
      try {
        const store = await record(tenantId);
        decision =
          options.config.engine === 'embedded'
            ? await decideEmbedded(tenantId, store, request)
            : await decideAvp(tenantId, store, request);
      } catch (error) {
        options.metrics?.record('failed', reasonOf(error));
        throw error;
      }
      options.metrics?.record(decision.decision === 'allow' ? 'allowed' : 'denied', policyReason(decision));
      return decision;
    },
    forget(tenantId) {
      cache.forget(tenantId);
    },
  };
}

function requireOption<T>(value: T | undefined, engine: string): T {
  if (value === undefined) throw new Error(`the ${engine} engine was chosen but not provided`);
  return value;
}
