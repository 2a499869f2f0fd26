import type { RouteRule, RouteRules } from './route-rules';

/**
 * The route rules compiled once per container into a segment tree per HTTP method, so that a request is matched
 * against the rules in time that depends on the path's depth, not on how many rules there are (1,000 at most).
 *
 * Matching is segment by segment: a literal matches itself, a `{param}` or `{tenantId}` one non-empty segment,
 * a final `*` or `{proxy+}` one or more non-empty segments. On a canonical path (`request-path.ts`: no empty
 * segment, no trailing `/`) this is exactly what the policy's IAM patterns match — the parameter's `*` kept to
 * one segment by its span Deny (`ruleSpans`) — which `authorizer-equivalence.test.ts` proves over generated
 * paths and rule sets. Paths are only matched after the canonical check, so nothing here normalises anything.
 */
export class CompiledRoutes {
  readonly #roots = new Map<string, RouteNode>();
  /** Where `{tenantId}` sits in a path: after the shared literal tenant prefix. */
  readonly #tenantIndex: number;

  constructor(readonly routes: RouteRules) {
    this.#tenantIndex = routes.tenantPrefix.length;
    routes.rules.forEach((rule, index) => {
      for (const method of rule.methods) {
        let node = this.#roots.get(method);
        if (node === undefined) {
          node = newNode();
          this.#roots.set(method, node);
        }
        insert(node, rule, index);
      }
    });
  }

  /**
   * The indexes (into `routes.rules`) of every rule whose method and path match `resource` (`GET/tenants/acme/me`),
   * whatever tenant the path names, and the path's tenant segment (`undefined` when it has none).
   */
  match(resource: string): RouteMatch {
    const slash = resource.indexOf('/');
    const root = slash > 0 ? this.#roots.get(resource.slice(0, slash)) : undefined;
    if (root === undefined) return NO_MATCH;
    const path = resource.slice(slash + 1);
    const segments = path === '' ? [] : path.split('/');
    const rules: number[] = [];
    collect(root, segments, 0, rules);
    return { rules, tenant: segments[this.#tenantIndex] };
  }

  /** Whether the rule at `index` matched for `tenantId`: a tenant route only on that tenant's own path. */
  ownTenant(index: number, match: RouteMatch, tenantId: string): boolean {
    return this.routes.rules[index]?.tenantScoped !== true || match.tenant === tenantId;
  }
}

/** What `CompiledRoutes.match` found. */
export interface RouteMatch {
  readonly rules: readonly number[];
  readonly tenant: string | undefined;
}

interface RouteNode {
  readonly literals: Map<string, RouteNode>;
  /** `{param}` and `{tenantId}`: one non-empty segment. */
  param: RouteNode | undefined;
  /** Rules ending at this node. */
  readonly ends: number[];
  /** Rules whose final `*` / `{proxy+}` follows this node: one or more non-empty segments. */
  readonly rests: number[];
}

const NO_MATCH: RouteMatch = { rules: [], tenant: undefined };

function newNode(): RouteNode {
  return { literals: new Map(), param: undefined, ends: [], rests: [] };
}

function insert(root: RouteNode, rule: RouteRule, index: number): void {
  let node = root;
  for (const segment of rule.segments) {
    if (segment.kind === 'rest') {
      node.rests.push(index);
      return;
    }
    if (segment.kind === 'literal') {
      let next = node.literals.get(segment.value);
      if (next === undefined) {
        next = newNode();
        node.literals.set(segment.value, next);
      }
      node = next;
    } else {
      node.param ??= newNode();
      node = node.param;
    }
  }
  node.ends.push(index);
}

function collect(node: RouteNode, segments: readonly string[], depth: number, into: number[]): void {
  if (depth === segments.length) {
    into.push(...node.ends);
    return;
  }
  const segment = segments[depth] ?? '';
  // Empty segments never match (a canonical path has none; this keeps the tree honest on its own).
  if (segment === '') return;
  if (node.rests.length > 0 && segments.slice(depth).every((rest) => rest !== '')) into.push(...node.rests);
  const literal = node.literals.get(segment);
  if (literal !== undefined) collect(literal, segments, depth + 1, into);
  if (node.param !== undefined) collect(node.param, segments, depth + 1, into);
}
