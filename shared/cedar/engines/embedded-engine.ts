import { PolicyEngineError } from '../../runtime/errors';
import { LruMap } from '../../runtime/lru-map';
import type { CedarRequest, Decision } from '../cedar-model';
import { cedarPolicySet, type PolicySetSource } from '../policy-set';
import { type Cedar, loadCedar } from './cedar-module';

/** Options of an `EmbeddedEngine`. */
export interface EmbeddedEngineOptions {
  /** Tenants whose parsed policy sets a container keeps; the least recently prepared is dropped first. */
  readonly maxTenants?: number;
  /** Loads cedar-wasm; replaceable in tests. */
  readonly load?: () => Promise<Cedar>;
}

/**
 * Cedar evaluated in-process with cedar-wasm: no network call per decision. Each tenant's policy set is parsed
 * once per version into cedar-wasm's store of pre-parsed sets (keyed by tenant id, so a new version replaces
 * the old one), and every decision evaluates against that parsed set.
 */
export class EmbeddedEngine {
  /**
   * Tenant id → version of its parsed set, in order of preparation (oldest first). cedar-wasm cannot forget a
   * parsed set: an evicted tenant's set is replaced with an empty one, which frees its memory.
   */
  readonly #prepared: LruMap<string, string>;
  readonly #load: () => Promise<Cedar>;
  #cedar: Cedar | undefined;

  constructor(options: EmbeddedEngineOptions = {}) {
    this.#prepared = new LruMap(options.maxTenants ?? 200, (tenantId) => this.#cedar?.preparsePolicySet(tenantId, {}));
    this.#load = options.load ?? loadCedar;
  }

  /** Whether the tenant's set at `version` is parsed and ready. */
  isPrepared(tenantId: string, version: string): boolean {
    return this.#cedar !== undefined && this.#prepared.peek(tenantId) === version;
  }

  /** Parses a tenant's policy set (loading cedar-wasm first if needed); `PolicyEngineError` if it does not parse. */
  async prepare(tenantId: string, source: PolicySetSource): Promise<void> {
    const cedar = await this.#cedarModule();
    const answer = cedar.preparsePolicySet(tenantId, cedarPolicySet(source));
    if (answer.type !== 'success') {
      throw new PolicyEngineError(`policy set of tenant ${tenantId} does not parse: ${answer.errors[0]?.message}`);
    }
    this.#prepared.set(tenantId, source.version);
  }

  /** Decides against the tenant's parsed set; call `prepare` first. */
  decide(tenantId: string, request: CedarRequest): Decision {
    const cedar = this.#cedar;
    if (cedar === undefined || this.#prepared.peek(tenantId) === undefined) {
      throw new PolicyEngineError(`policy set of tenant ${tenantId} is not prepared`);
    }
    const answer = cedar.statefulIsAuthorized({
      principal: request.principal,
      action: request.action,
      resource: request.resource,
      context: request.context,
      entities: request.entities,
      preparsedPolicySetId: tenantId,
    });
    // Malformed entities or context: no decision can be made, and none is guessed.
    if (answer.type !== 'success') {
      throw new PolicyEngineError(`decision failed: ${answer.errors[0]?.message}`);
    }
    return { decision: answer.response.decision, determiningPolicies: answer.response.diagnostics.reason };
  }

  async #cedarModule(): Promise<Cedar> {
    this.#cedar ??= await this.#load();
    return this.#cedar;
  }
}
