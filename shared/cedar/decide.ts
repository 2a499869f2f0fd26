import type { VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import type { DecisionMetrics } from '../runtime/decision-metrics';
import { PolicyEngineError, PolicyStoreNotFoundError } from '../runtime/errors';
import { ReadThroughCache } from '../runtime/read-through-cache';
import { type ReasonCode, reasonOf } from '../runtime/reason-codes';
import { cedarRequest, type Decision, type DecisionRequest } from './cedar-model';
import type { AvpEngine } from './engines/avp-engine';
import type { EmbeddedEngine } from './engines/embedded-engine';
import type { PolicyConfig } from './policy-config';
import { linksFingerprint, type ShareLink } from './policy-set';
import type { ShareLinks } from './sharing/share-links';
import type { PolicyStoreRecord, PolicyStoreRegistry } from './stores/policy-store-registry';

/** What a decider needs; the engines are created on first use only. */
export interface DeciderOptions {
  readonly config: PolicyConfig;
  readonly stores: Pick<PolicyStoreRegistry, 'getRecord'>;
  /** The tenants' shares (`engine: embedded`; AVP keeps them in the store). */
  readonly links?: Pick<ShareLinks, 'listLinks'>;
  /** The embedded engine (`engine: embedded`); its module is imported on the first decision. */
  readonly embedded?: () => Promise<EmbeddedEngine>;
  /** A Verified Permissions client with the tenant's scoped credentials (`engine: avp`). */
  readonly avpClient?: (tenantId: string) => VerifiedPermissionsClient | Promise<VerifiedPermissionsClient>;
  /** Counts each decision (docs/observability.md "Metrics": `allowed`/`denied` by policy reason, `failed`). */
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
  /**
   * Decides requests of one principal (a list page: `ReadDocument` on each document), answers in the order of
   * `requests`. AVP: `BatchIsAuthorized` in batches of 30; embedded: one local decision each. Any failure fails
   * all of them (`PolicyEngineError`): a page is refused, never partly guessed.
   */
  decideAll(requests: readonly DecisionRequest[]): Promise<Decision[]>;
  /** The tenant's policies or shares changed in this container (a share): re-read them on the next decision. */
  forget(tenantId: string): void;
}

/** A tenant's store as a container holds it between reads. */
interface LoadedStore {
  readonly record: PolicyStoreRecord;
  readonly links: readonly ShareLink[];
  /** Version of the embedded set: the record's version and the shares' fingerprint. */
  readonly version: string;
}

/**
 * Creates `decide`. The store is always the *caller's* tenant's (from the authorizer), never one named by
 * the request; the record (and, embedded, the shares) is cached per container for `cacheTtlMs`, like the
 * tenant record, so a warm decision makes no I/O.
 */
export function createDecider(options: DeciderOptions): Decider {
  const embeddedEngine = options.config.engine === 'embedded';
  const cache = new ReadThroughCache<LoadedStore | undefined>({ ttlMs: options.config.cacheTtlMs, staleTtlMs: 0 });
  let embedded: EmbeddedEngine | undefined;
  // The AVP SDK is loaded by functions on the AVP engine only (cold start of the embedded default): imported
  // once, on the first AVP decision; one engine per client (clients are kept per tenant), not one per decision.
  let avpModule: Promise<typeof import('./engines/avp-engine')> | undefined;
  const avpEngines = new WeakMap<VerifiedPermissionsClient, AvpEngine>();

  const load = async (tenantId: string): Promise<LoadedStore | undefined> => {
    const record = await options.stores.getRecord(tenantId);
    if (record === undefined) return undefined;
    const links = embeddedEngine ? await requireOption(options.links, 'embedded').listLinks(tenantId) : [];
    return { record, links, version: `${record.version}:${linksFingerprint(links)}` };
  };

  const store = async (tenantId: string): Promise<LoadedStore> => {
    const found = cache.fresh(tenantId)?.value ?? (await cache.get(tenantId, () => load(tenantId))).value;
    if (found === undefined) throw new PolicyStoreNotFoundError(tenantId);
    return found;
  };

  const decideEmbedded = async (tenantId: string, loaded: LoadedStore, request: DecisionRequest) => {
    embedded ??= await requireOption(options.embedded, 'embedded')();
    if (!embedded.isPrepared(tenantId, loaded.version)) {
      const { record, links, version } = loaded;
      await embedded.prepare(tenantId, { version, policies: record.policies, templates: record.templates, links });
    }
    return embedded.decide(tenantId, cedarRequest(request));
  };

  const avpEngine = async (tenantId: string, { record }: LoadedStore) => {
    if (record.policyStoreId === undefined) throw new PolicyStoreNotFoundError(tenantId);
    const client = await requireOption(options.avpClient, 'avp')(tenantId);
    let engine = avpEngines.get(client);
    if (engine === undefined) {
      avpModule ??= import('./engines/avp-engine');
      engine = new (await avpModule).AvpEngine(client);
      avpEngines.set(client, engine);
    }
    return { engine, policyStoreId: record.policyStoreId };
  };

  const decideAvp = async (tenantId: string, loaded: LoadedStore, request: DecisionRequest) => {
    const { engine, policyStoreId } = await avpEngine(tenantId, loaded);
    return engine.decide(policyStoreId, cedarRequest(request));
  };

  const decideAllAvp = async (tenantId: string, loaded: LoadedStore, requests: readonly DecisionRequest[]) => {
    const { engine, policyStoreId } = await avpEngine(tenantId, loaded);
    return engine.decideAll(policyStoreId, requests.map(cedarRequest));
  };

  const decideAllEmbedded = async (tenantId: string, loaded: LoadedStore, requests: readonly DecisionRequest[]) => {
    const decisions: Decision[] = [];
    for (const request of requests) decisions.push(await decideEmbedded(tenantId, loaded, request));
    return decisions;
  };

  const count = (decision: Decision) =>
    options.metrics?.record(decision.decision === 'allow' ? 'allowed' : 'denied', policyReason(decision));

  return {
    async decide(request) {
      const tenantId = request.principal.tenantId;
      let decision: Decision;
      try {
        const loaded = await store(tenantId);
        decision = embeddedEngine
          ? await decideEmbedded(tenantId, loaded, request)
          : await decideAvp(tenantId, loaded, request);
      } catch (error) {
        options.metrics?.record('failed', reasonOf(error));
        throw error;
      }
      count(decision);
      return decision;
    },
    async decideAll(requests) {
      if (requests.length === 0) return [];
      const tenantId = requests[0]?.principal.tenantId ?? '';
      let decisions: Decision[];
      try {
        // One principal per call: the caller's tenant's store decides all of them (and AVP batches require it).
        const principal = JSON.stringify(requests[0]?.principal);
        if (requests.some((request) => JSON.stringify(request.principal) !== principal)) {
          throw new PolicyEngineError('decideAll takes the requests of one principal');
        }
        const loaded = await store(tenantId);
        decisions = embeddedEngine
          ? await decideAllEmbedded(tenantId, loaded, requests)
          : await decideAllAvp(tenantId, loaded, requests);
      } catch (error) {
        for (const _request of requests) options.metrics?.record('failed', reasonOf(error));
        throw error;
      }
      for (const decision of decisions) count(decision);
      return decisions;
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
