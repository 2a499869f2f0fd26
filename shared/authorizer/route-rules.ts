import type { Tiers } from '../registry/tiers';
import { ConfigurationError } from '../runtime/errors';
import { isRecord } from '../runtime/is-record';
import { matchesArnPattern } from './arn-pattern';

/**
 * Route rules: which routes of the API a verified caller may use.
 *
 * Format (JSON; `config/routes.json` is bundled as the default, `TENANCY_ROUTES` may replace it):
 *
 * ```json
 * {
 *   "description": "optional free text",
 *   "routes": [
 *     { "route": "GET /tenants/{tenantId}/me" },
 *     { "route": "* /tenants/{tenantId}/admin/*", "groups": ["tenant-admin"] },
 *     { "route": "GET /tenants/{tenantId}/reports", "minimumTier": "standard" },
 *     { "route": "GET /health" }
 *   ]
 * }
 * ```
 *
 * - `route` is `METHOD /path`. METHOD is GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or `*` (any of them).
 *   Path segments are literals (`[A-Za-z0-9._~-]+`), parameters (`{name}`), `{tenantId}`, or — last only —
 *   `*` / `{name+}` (the rest of the path). A parameter matches exactly one non-empty segment, in decisions and
 *   in policies: a policy allows it as an IAM `*` (which crosses `/`) and denies the same pattern with that `*`
 *   widened to `*\/*` (`ruleSpans`), since the policy API Gateway caches is evaluated with IAM matching. Rule
 *   sets where such a Deny would take away a path another rule allows are refused, and so is a parameter
 *   followed by a literal in a rule that ends in a wildcard (IAM cannot tell which `/` the parameter ends at).
 * - A route with `{tenantId}` is a tenant route: the path's tenant must be the caller's own tenant. Every
 *   tenant route puts `{tenantId}` after the same literal prefix (e.g. `/tenants/{tenantId}`).
 * - A route without it is a shared route, open to callers of every tenant. It must start with a literal
 *   segment and may not overlap the tenant prefix (it could otherwise reach another tenant's paths).
 * - `groups` (optional, 1–10 Cognito group names): the caller needs at least one of them in `cognito:groups`.
 * - `minimumTier` (optional): the caller's tier must rank at least this one in the configured tiers.
 * - A request is permitted when at least one rule matches it and the caller meets that rule; anything no
 *   rule permits, unknown routes included, is denied.
 */
export interface RouteRules {
  readonly rules: readonly RouteRule[];
  /** Literal segments before `{tenantId}` shared by every tenant route; empty when there are none. */
  readonly tenantPrefix: readonly string[];
}

/** One validated rule. */
export interface RouteRule {
  /** The rule as written, for logs and messages. */
  readonly route: string;
  /** HTTP methods the rule covers (`*` expanded). */
  readonly methods: readonly HttpMethod[];
  readonly segments: readonly Segment[];
  readonly tenantScoped: boolean;
  /** Any one of these groups is required; empty when the rule requires none. */
  readonly groups: readonly string[];
  readonly minimumTier: string | undefined;
}

/** A path segment of a rule. */
export type Segment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'tenant' }
  | { readonly kind: 'param' }
  | { readonly kind: 'rest' };

/** Methods API Gateway puts in method ARNs. `*` is expanded into these: an IAM `*` in the method position
 * would also match across `/` into the path and reach other tenants' paths. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** The most rules a route file may hold: each is compiled once (`compiled-routes.ts`), so a request's cost does not grow with them. */
const MAX_RULES = 1000;
const MAX_GROUPS = 10;
const LITERAL = /^[A-Za-z0-9._~-]+$/;
const PARAM = /^\{[A-Za-z][A-Za-z0-9_]{0,63}\}$/;
const REST_PARAM = /^\{[A-Za-z][A-Za-z0-9_]{0,63}\+\}$/;
// Cognito's own rule for group names: letters, marks, symbols, numbers and punctuation, 1-128 characters.
const GROUP_NAME_SOURCE = '^[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]{1,128}$';
// Built on first use, never as a literal: V8 checks every regular expression literal when it parses the module,
// and for this one that means building its five Unicode classes, about a fifth of what the suite's code costs the
// authorizer's cold start (docs/benchmarks.md "Cold start"), paid even when no name needs it.
let groupNamePattern: RegExp | undefined;
// Printable ASCII without the space: every character of it is a letter, number, punctuation or symbol, so a name
// made only of these meets the Unicode pattern. Tried first: role groups (all a rule may require) are ASCII.
const ASCII_GROUP_NAME = /^[\x21-\x7e]{1,128}$/;
const RULE_KEYS = new Set(['route', 'groups', 'minimumTier', 'description']);
const FILE_KEYS = new Set(['routes', 'description']);

/**
 * Validates parsed route rules (see the format above) against the configured tiers. Throws
 * `ConfigurationError` naming the offending rule; nothing is guessed or skipped.
 */
export function parseRouteRules(input: unknown, tiers: Tiers, setting = 'TENANCY_ROUTES'): RouteRules {
  return checkRouteTiers(validateRouteRules(input, setting), tiers, setting);
}

/**
 * Validates parsed route rules (see the format above) in everything but their tiers, which are configuration
 * (`checkRouteTiers`): what the build checks of the bundled `config/routes.json` (`bundled-route-rules.ts`).
 * Throws `ConfigurationError` naming the offending rule.
 */
export function validateRouteRules(input: unknown, setting: string): RouteRules {
  const fail = (message: string): never => {
    throw new ConfigurationError(message, setting);
  };
  if (!isRecord(input)) return fail('route rules must be a JSON object with a "routes" array');
  for (const key of Object.keys(input)) if (!FILE_KEYS.has(key)) fail(`unknown key "${key}" in route rules`);
  const list = input.routes;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_RULES) {
    return fail(`"routes" must be an array of 1-${MAX_RULES} rules`);
  }
  const rules = list.map((entry, index) => parseRule(entry, index, fail));
  const seen = new Set<string>();
  for (const rule of rules) {
    for (const method of rule.methods) {
      const key = `${method} ${renderPath(rule.segments)}`;
      if (seen.has(key)) fail(`route "${rule.route}" repeats ${key}`);
      seen.add(key);
    }
  }
  const tenantPrefix = checkTenantPrefix(rules, fail);
  for (const rule of rules) if (!rule.tenantScoped) checkSharedRule(rule, tenantPrefix, fail);
  checkSpans(rules, fail);
  return { rules, tenantPrefix };
}

/** The rules, once every `minimumTier` they name is one of the configured tiers; else `ConfigurationError`. */
export function checkRouteTiers(routes: RouteRules, tiers: Tiers, setting: string): RouteRules {
  routes.rules.forEach(({ minimumTier }, index) => {
    if (minimumTier !== undefined && !tiers.has(minimumTier)) {
      throw new ConfigurationError(
        `routes[${index}].minimumTier ${JSON.stringify(minimumTier)} is not a configured tier (${tiers.names.join(', ')})`,
        setting,
      );
    }
  });
  return routes;
}

/** Parses route rules from JSON text (inline `TENANCY_ROUTES` or a file's content). */
export function parseRouteRulesJson(text: string, tiers: Tiers, setting = 'TENANCY_ROUTES'): RouteRules {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError('route rules are not valid JSON', setting, { cause: error });
  }
  return parseRouteRules(parsed, tiers, setting);
}

/**
 * The IAM resource paths (relative to `arn:…:apiId/stage/`) a rule covers for one tenant, one per method:
 * `GET/tenants/acme/me`, `POST/tenants/acme/admin/*`. Parameters and rest segments become `*`.
 * `tenantId` must be a validated tenant id (no wildcard characters); `*` is used to describe "any tenant".
 */
export function ruleResources(rule: RouteRule, tenantId: string): string[] {
  let path = '';
  for (const segment of rule.segments) path += `/${segmentPattern(segment, tenantId)}`;
  if (path === '') path = '/';
  return rule.methods.map((method) => `${method}${path}`);
}

/**
 * The IAM resource paths a policy denies so that each `{param}` of the rule matches one segment only: per
 * method and parameter, the rule's resource with that parameter's `*` widened to `*\/*` (exactly the paths
 * where the parameter would span a `/`). Empty for rules without parameters, and for rules whose parameters
 * are followed only by parameters and a final wildcard (there every IAM match has a one-segment reading).
 */
export function ruleSpans(rule: RouteRule, tenantId: string): string[] {
  const rest = rule.segments.at(-1)?.kind === 'rest';
  const spans: string[] = [];
  rule.segments.forEach((segment, index) => {
    if (segment.kind !== 'param') return;
    if (rest && !rule.segments.slice(index + 1).some((later) => later.kind === 'literal')) return;
    const path = rule.segments.map((part, at) => `/${at === index ? '*/*' : segmentPattern(part, tenantId)}`).join('');
    for (const method of rule.methods) spans.push(`${method}${path}`);
  });
  return spans;
}

/**
 * Whether a rule matches a request resource (`GET/tenants/acme/me`) for the given tenant (`*`: any tenant):
 * one of its resources matches and none of its spans (a parameter reaching over `/`) does.
 */
export function ruleMatches(rule: RouteRule, resource: string, tenantId: string): boolean {
  return (
    ruleResources(rule, tenantId).some((pattern) => matchesArnPattern(pattern, resource)) &&
    !ruleSpans(rule, tenantId).some((pattern) => matchesArnPattern(pattern, resource))
  );
}

/** Whether a caller with these groups and tier meets a rule's group and tier requirements. */
export function callerMeetsRule(
  rule: RouteRule,
  caller: { readonly groups: readonly string[]; readonly tier: string },
  tiers: Tiers,
): boolean {
  return meetsGroups(rule, caller.groups) && meetsTier(rule, caller.tier, tiers);
}

/** Whether the caller holds one of the rule's groups (or the rule requires none). */
export function meetsGroups(rule: RouteRule, groups: readonly string[]): boolean {
  return rule.groups.length === 0 || rule.groups.some((group) => groups.includes(group));
}

/** Whether the caller's tier reaches the rule's minimum tier (or the rule sets none). An unknown tier reaches none. */
export function meetsTier(rule: RouteRule, tier: string, tiers: Tiers): boolean {
  return rule.minimumTier === undefined || tiers.rank(tier) >= tiers.rank(rule.minimumTier);
}

function parseRule(entry: unknown, index: number, fail: (message: string) => never): RouteRule {
  const where = `routes[${index}]`;
  if (!isRecord(entry)) return fail(`${where} must be an object with a "route"`);
  for (const key of Object.keys(entry)) if (!RULE_KEYS.has(key)) fail(`unknown key "${key}" in ${where}`);
  const { route, groups, minimumTier, description } = entry;
  if (typeof route !== 'string') return fail(`${where}.route must be a string like "GET /tenants/{tenantId}/me"`);
  if (description !== undefined && typeof description !== 'string') fail(`${where}.description must be a string`);
  const match = /^(\*|[A-Z]+) (\/\S*)$/.exec(route);
  if (match === null) return fail(`${where}: "${route}" is not "METHOD /path"`);
  const [, method = '', path = ''] = match;
  let methods: readonly HttpMethod[];
  if (method === '*') methods = HTTP_METHODS;
  else if ((HTTP_METHODS as readonly string[]).includes(method)) methods = [method as HttpMethod];
  else return fail(`${where}: unknown method "${method}" (use ${HTTP_METHODS.join(', ')} or *)`);
  const segments = parsePath(path, `${where} "${route}"`, fail);
  const tenantScoped = segments.some((segment) => segment.kind === 'tenant');

  let groupList: string[] = [];
  if (groups !== undefined) {
    if (
      !Array.isArray(groups) ||
      groups.length === 0 ||
      groups.length > MAX_GROUPS ||
      !groups.every((group) => typeof group === 'string' && isCognitoGroupName(group))
    ) {
      return fail(`${where}.groups must be 1-${MAX_GROUPS} Cognito group names`);
    }
    groupList = [...groups];
  }
  // Which tiers exist is configuration: `checkRouteTiers`.
  if (minimumTier !== undefined && typeof minimumTier !== 'string') {
    return fail(`${where}.minimumTier ${JSON.stringify(minimumTier)} is not a tier name`);
  }
  return { route, methods, segments, tenantScoped, groups: groupList, minimumTier };
}

/** Whether `name` is a Cognito group name (GROUP_NAME_SOURCE), without building the Unicode pattern for ASCII names. */
function isCognitoGroupName(name: string): boolean {
  if (ASCII_GROUP_NAME.test(name)) return true;
  groupNamePattern ??= new RegExp(GROUP_NAME_SOURCE, 'u');
  return groupNamePattern.test(name);
}

function parsePath(path: string, where: string, fail: (message: string) => never): Segment[] {
  if (path === '/') return [];
  const parts = path.slice(1).split('/');
  const segments: Segment[] = [];
  const names = new Set<string>();
  parts.forEach((part, index) => {
    const last = index === parts.length - 1;
    if (LITERAL.test(part)) {
      segments.push({ kind: 'literal', value: part });
    } else if (part === '*' || REST_PARAM.test(part)) {
      if (!last) fail(`${where}: "${part}" may only be the last segment`);
      segments.push({ kind: 'rest' });
    } else if (PARAM.test(part)) {
      const name = part.slice(1, -1);
      if (names.has(name)) fail(`${where}: parameter {${name}} appears twice`);
      names.add(name);
      segments.push(name === 'tenantId' ? { kind: 'tenant' } : { kind: 'param' });
    } else {
      fail(`${where}: invalid path segment "${part}"`);
    }
  });
  return segments;
}

function checkTenantPrefix(rules: readonly RouteRule[], fail: (message: string) => never): string[] {
  let prefix: string[] | undefined;
  for (const rule of rules) {
    if (!rule.tenantScoped) continue;
    const at = rule.segments.findIndex((segment) => segment.kind === 'tenant');
    const before = rule.segments.slice(0, at);
    const literals = before.flatMap((segment) => (segment.kind === 'literal' ? [segment.value] : []));
    // Only literals before the tenant: a wildcard there would let the tenant segment float to another
    // tenant's position in the path.
    if (literals.length === 0 || literals.length !== before.length) {
      fail(`"${rule.route}": {tenantId} must follow one or more literal segments, e.g. /tenants/{tenantId}`);
    }
    if (prefix === undefined) prefix = literals;
    else if (prefix.join('/') !== literals.join('/')) {
      fail(`"${rule.route}": every tenant route must start with the same prefix /${prefix.join('/')}/{tenantId}`);
    }
  }
  return prefix ?? [];
}

function checkSharedRule(rule: RouteRule, tenantPrefix: readonly string[], fail: (message: string) => never): void {
  const first = rule.segments[0];
  if (first !== undefined && first.kind !== 'literal')
    fail(`"${rule.route}": a shared route must start with a literal`);
  if (tenantPrefix.length === 0) return;
  const literalRun: string[] = [];
  for (const segment of rule.segments) {
    if (segment.kind !== 'literal') break;
    literalRun.push(segment.value);
  }
  const fullyLiteral = literalRun.length === rule.segments.length;
  const common = Math.min(literalRun.length, tenantPrefix.length);
  const sharesStart = literalRun.slice(0, common).join('/') === tenantPrefix.slice(0, common).join('/');
  // A fully literal route only collides when it reaches the tenant position (`/tenants/acme/x`); a route
  // with wildcards collides as soon as its literal start is compatible with the tenant prefix.
  const collides = fullyLiteral ? sharesStart && literalRun.length > tenantPrefix.length : sharesStart;
  if (collides) {
    fail(
      `"${rule.route}": a shared route may not overlap the tenant routes under /${tenantPrefix.join('/')}/{tenantId}`,
    );
  }
}

// Stands for the caller's tenant when rules are compared: braces never appear in a literal segment.
const ANY_TENANT = '{tenantId}';

/**
 * Refuses rule sets whose one-segment Denies could not be exact: a parameter followed by a literal in a rule
 * ending in a wildcard, or a span Deny of one rule that meets a resource another rule allows for the same
 * method (the Deny would win in IAM and take that route away).
 */
function checkSpans(rules: readonly RouteRule[], fail: (message: string) => never): void {
  const index = new LiteralStartIndex(rules);
  for (const rule of rules) {
    const segments = rule.segments;
    if (segments.at(-1)?.kind === 'rest') {
      const param = segments.findIndex((segment) => segment.kind === 'param');
      if (param !== -1 && segments.slice(param + 1).some((segment) => segment.kind === 'literal')) {
        fail(
          `"${rule.route}": a {parameter} followed by a literal cannot end in a wildcard (IAM cannot keep it to one segment)`,
        );
      }
    }
    for (const span of ruleSpans(rule, ANY_TENANT)) {
      // Only resources whose literal start agrees with the span's can meet it (segment by segment up to the first `*`, a differing literal proves them apart); the index
      // finds them without comparing every pair, which at 1,000 rules would cost seconds of cold start.
      const overlap = index
        .candidates(span)
        .find((entry) => entry.rule !== rule && patternsIntersect(span, entry.resource));
      if (overlap !== undefined) {
        fail(
          `"${rule.route}" and "${overlap.rule.route}" overlap where a {parameter} would span segments (${overlap.resource})`,
        );
      }
    }
  }
}

interface IndexedResource {
  readonly rule: RouteRule;
  readonly resource: string;
  /** The resource's literal start (`literalStart`). */
  readonly start: string;
  /** Position in rule order, then resource order: the first overlap found is the one a pairwise scan finds. */
  readonly order: number;
}

/**
 * Every rule's resources (for any tenant), sorted by their literal start: the segments before the first one
 * holding a `*`. Two patterns can only share a match when one literal start is a segment prefix of the other, and
 * the resources whose start extends a given one, or equals it, sit next to each other in that order, so each
 * lookup is a few binary searches. One sorted array and a string per resource: this runs at every cold start,
 * where maps of every prefix allocated about a third more for the bundled rules (121 against 91 KB).
 */
class LiteralStartIndex {
  readonly #entries: IndexedResource[] = [];

  constructor(rules: readonly RouteRule[]) {
    let order = 0;
    for (const rule of rules) {
      for (const resource of ruleResources(rule, ANY_TENANT)) {
        this.#entries.push({ rule, resource, start: literalStart(resource), order: order++ });
      }
    }
    this.#entries.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.order - b.order));
  }

  /** The resources whose literal start is a segment prefix of `pattern`'s, or extends it, in rule order. */
  candidates(pattern: string): IndexedResource[] {
    const start = literalStart(pattern);
    const found: IndexedResource[] = [];
    // Starts equal to `start` or extending it (`start/…`).
    this.#collect(start, (entry) => entry.start === start, found);
    this.#collect(`${start}/`, (entry) => entry.start.startsWith(`${start}/`), found);
    // Starts that are a shorter segment prefix of `start`.
    for (let slash = start.indexOf('/'); slash !== -1; slash = start.indexOf('/', slash + 1)) {
      const prefix = start.slice(0, slash);
      this.#collect(prefix, (entry) => entry.start === prefix, found);
    }
    return found.sort((a, b) => a.order - b.order);
  }

  /** Appends the run of entries from the first start ≥ `from` for as long as `within` holds. */
  #collect(from: string, within: (entry: IndexedResource) => boolean, found: IndexedResource[]): void {
    const entries = this.#entries;
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((entries[mid] as IndexedResource).start < from) low = mid + 1;
      else high = mid;
    }
    for (let at = low; at < entries.length && within(entries[at] as IndexedResource); at++) {
      found.push(entries[at] as IndexedResource);
    }
  }
}

/** The segments of `pattern` before the first one holding a `*`, joined: `GET/tenants/{tenantId}/documents`. */
function literalStart(pattern: string): string {
  const star = pattern.indexOf('*');
  if (star === -1) return pattern;
  const slash = pattern.lastIndexOf('/', star);
  return slash === -1 ? '' : pattern.slice(0, slash);
}

/**
 * Whether two IAM patterns with `*` wildcards (no `?`) match a common string: a walk over both patterns where a
 * `*` may end, or swallow the other pattern's next character (a literal, or a `*` standing for some text).
 */
export function patternsIntersect(a: string, b: string): boolean {
  const seen = new Set<number>();
  const width = b.length + 1;
  const walk = (i: number, j: number): boolean => {
    if (i === a.length && j === b.length) return true;
    const key = i * width + j;
    if (seen.has(key)) return false;
    seen.add(key);
    const x = a[i];
    const y = b[j];
    if (x === '*' && (walk(i + 1, j) || (j < b.length && walk(i, j + 1)))) return true;
    if (y === '*' && (walk(i, j + 1) || (i < a.length && walk(i + 1, j)))) return true;
    return x !== undefined && x !== '*' && x === y && walk(i + 1, j + 1);
  };
  return walk(0, 0);
}

function segmentPattern(segment: Segment, tenantId: string): string {
  return segment.kind === 'literal' ? segment.value : segment.kind === 'tenant' ? tenantId : '*';
}

function renderPath(segments: readonly Segment[]): string {
  if (segments.length === 0) return '/';
  return segments
    .map((segment) => `/${segment.kind === 'literal' ? segment.value : segment.kind === 'tenant' ? '{tenantId}' : '*'}`)
    .join('');
}
