import type { Tiers } from '../registry/tiers';
import {
  type EntitlementParts,
  POLICY_BYTE_BUDGET,
  type PolicyDocument,
  policyBytes,
  stagePolicy,
  stageResources,
} from './authorization-policy';
import type { CompiledRoutes } from './compiled-routes';
import { LazyLruMap } from './lazy-lru-map';
import { callerMeetsRule, ruleResources, ruleSpans } from './route-rules';

/**
 * What a (tenant, tier, granted groups) may use on one API stage, computed once: which rules it meets, and the
 * Allow policy for every route it may use. Everything here depends on those four values only, never on the
 * request or the token, which is what makes sharing it between tokens (and API Gateway caching its policy) safe.
 */
export interface Entitlement {
  /** Per rule index (`routes.rules`): 1 when the caller meets the rule's group and tier requirements. */
  readonly meets: Uint8Array;
  /** Full ARNs of every permitted route's resources on this stage, and of their one-segment Denies. */
  readonly allowResources: readonly string[];
  readonly denyResources: readonly string[];
  /**
   * The stage-wide Allow policy (every permitted route, the canonical-path and one-segment Denies), reused for
   * every allowed request; `undefined` when it would exceed `POLICY_BYTE_BUDGET`: allowed requests then get a
   * policy for the routes they matched (`scopedPolicy`).
   */
  readonly policy: PolicyDocument | undefined;
  /** Bytes of the stage-wide policy's JSON (also when it is over the budget and not used). */
  readonly policyBytes: number;
  /** Route-scoped Allow policies, by the matched rules, when the stage-wide one is over the budget. */
  readonly scoped: LazyLruMap<string, PolicyDocument>;
}

/** Entitlements kept per container; each stage-wide policy is at most `POLICY_BYTE_BUDGET` bytes. */
const ENTITLEMENT_CACHE_SIZE = 1000;
const SCOPED_POLICIES_PER_ENTITLEMENT = 32;

/**
 * A bounded (least recently used first out) cache of entitlements keyed by tenant, tier, the groups the
 * caller was granted (as a set: order does not matter) and the API stage prefix. Tokens of one tenant and role
 * share an entry, so a fresh token costs its signature check and a map lookup, however many rules there are.
 * The order is `LazyLruMap`'s: a hit costs a lookup, not a move.
 */
export class EntitlementCache {
  readonly #entries: LazyLruMap<string, Entitlement>;
  // The last entitlement served for a parts object (a memoized caller comes back as the same object): valid
  // while the stage and the very groups array are the same, so a repeated token builds no key.
  readonly #recent = new WeakMap<
    EntitlementParts,
    { prefix: string; groups: readonly string[]; entitlement: Entitlement }
  >();

  constructor(
    private readonly routes: CompiledRoutes,
    private readonly tiers: Tiers,
    capacity = ENTITLEMENT_CACHE_SIZE,
  ) {
    this.#entries = new LazyLruMap(capacity);
  }

  /**
   * The entitlement of `parts` on the stage `prefix` (`arn:…:apiId/stage/`), computed on first use. `remember`:
   * `parts` is an object that comes back (a memoized caller), so it is worth remembering which entitlement it got;
   * a fresh object per request is not (a weak-map entry per request costs more than the lookup it would save).
   */
  get(parts: EntitlementParts, prefix: string, remember = true): Entitlement {
    const recent = remember ? this.#recent.get(parts) : undefined;
    if (recent !== undefined && recent.prefix === prefix && recent.groups === parts.groups) return recent.entitlement;
    const key = entitlementKey(parts, prefix);
    let entitlement = this.#entries.get(key);
    if (entitlement === undefined) {
      entitlement = this.#compute(parts, prefix);
      this.#entries.set(key, entitlement);
    }
    if (remember) this.#recent.set(parts, { prefix, groups: parts.groups, entitlement });
    return entitlement;
  }

  /**
   * The Allow policy for an allowed request: the stage-wide one, or — when that is over the budget — one
   * covering the permitted routes the request matched (`matched`, rule indexes), with their one-segment Denies.
   */
  allowPolicy(
    entitlement: Entitlement,
    parts: EntitlementParts,
    prefix: string,
    matched: readonly number[],
  ): PolicyDocument {
    if (entitlement.policy !== undefined) return entitlement.policy;
    const key = matched.join(',');
    const known = entitlement.scoped.get(key);
    if (known !== undefined) return known;
    const allow: string[] = [];
    const deny: string[] = [];
    for (const index of matched) {
      const rule = this.routes.routes.rules[index];
      if (rule === undefined) continue;
      allow.push(...ruleResources(rule, parts.tenantId));
      deny.push(...ruleSpans(rule, parts.tenantId));
    }
    const policy = stagePolicy(prefix, stageResources(prefix, allow), stageResources(prefix, deny));
    entitlement.scoped.set(key, policy);
    return policy;
  }

  #compute(parts: EntitlementParts, prefix: string): Entitlement {
    const rules = this.routes.routes.rules;
    const meets = new Uint8Array(rules.length);
    const allow: string[] = [];
    const deny: string[] = [];
    rules.forEach((rule, index) => {
      if (!callerMeetsRule(rule, parts, this.tiers)) return;
      meets[index] = 1;
      allow.push(...ruleResources(rule, parts.tenantId));
      deny.push(...ruleSpans(rule, parts.tenantId));
    });
    const allowResources = stageResources(prefix, allow);
    const denyResources = stageResources(prefix, deny);
    const stageWide = stagePolicy(prefix, allowResources, denyResources);
    const bytes = policyBytes(stageWide);
    return {
      meets,
      allowResources,
      denyResources,
      policy: bytes <= POLICY_BYTE_BUDGET ? stageWide : undefined,
      policyBytes: bytes,
      scoped: new LazyLruMap(SCOPED_POLICIES_PER_ENTITLEMENT),
    };
  }
}

/** The cache key: stage prefix, tenant, tier and the sorted groups (role groups hold no comma). */
export function entitlementKey(parts: EntitlementParts, prefix: string): string {
  const groups = parts.groups.length < 2 ? parts.groups : [...parts.groups].sort();
  return `${prefix} ${parts.tenantId} ${parts.tier} ${groups.join(',')}`;
}
