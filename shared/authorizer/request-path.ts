import { matchesArnPattern } from './arn-pattern';

/**
 * The one canonical-path rule, shared by the fresh check (`isCanonicalPath`) and every policy the authorizer
 * returns (`NON_CANONICAL_RESOURCES`, denied next to each Allow).
 *
 * The IAM resources of an Allow policy match across `/` (`…/tenants/acme/admin/*` matches
 * `…/tenants/acme/admin/../../globex/me`), while a backend or proxy that decodes or normalises the path would
 * serve another tenant's resource for it. So such paths are refused on every route rather than normalised here:
 * a caller that is not probing never sends one.
 *
 * The rule is written as IAM patterns, and the fresh check evaluates exactly those patterns: a cached policy
 * can only deny what a finite list of IAM patterns (literal characters, `*`, `?`; no character classes, no
 * negation) describes, so a fresh check that looked any further (by decoding, say) would refuse paths the
 * cached policy still allows. A path is canonical when it starts with `/` and none of these hold:
 *
 * - a `.` or `..` segment, an empty segment, or a trailing `/` (the root path `/` is canonical);
 * - a `%` anywhere. IAM cannot say "a `%` not followed by two hex digits", so any rule that accepted some
 *   percent-encodings would have to accept `%` followed by all but finitely many characters (`%zz`, `%u002e`,
 *   `%C2`, `%F0%80%80%AE`…), each read differently by some decoder. Refusing `%` refuses every encoded,
 *   double-encoded, malformed, overlong, four-byte and IIS `%u` form at once. Tenant ids, document ids and
 *   route literals never need encoding;
 * - `;` (Tomcat, Jetty and Spring drop `;…` path parameters before resolving `..`: `..;x=1` is `..`), `\`
 *   (a separator on Windows backends), NUL (C backends end the string there) and the line terminators
 *   (`\n`, `\r`, U+2028, U+2029: a method ARN holding one is not parsed at all, so the policy refuses it too);
 * - a character whose NFKC form holds `/`, `\`, `;`, `%` or a confusable separator (below), or consists of
 *   dots only (`NFKC_LOOKALIKES`): a backend that normalises (NFKC) turns `．．` into `..`, `℀` into `a/c` and
 *   `⅐` into `1⁄7`. Characters whose NFKC form has a dot
 *   next to something else (`⒈` → `1.`, `㏂` → `a.m.`) are allowed: they can never make a dot-only segment;
 * - a slash or backslash look-alike that NFKC leaves alone (`CONFUSABLE_SEPARATORS`): the symbol entries that
 *   Unicode's confusables data lists for `/` and `\` — U+2044 FRACTION SLASH `⁄`, U+2215 DIVISION SLASH `∕`,
 *   U+2571 `╱`, U+27CB `⟋`, U+29F8 BIG SOLIDUS `⧸`, and U+2216 SET MINUS `∖`, U+2572 `╲`, U+27CD `⟍`, U+29F5
 *   `⧵`, U+29F9 `⧹` — because code-page "best fit" conversions and look-alike folding turn them into
 *   separators. The dot's confusables are digits and letters of other scripts (Arabic-Indic zero, Lisu, Vai),
 *   which nothing decodes to `.` and which ordinary text uses, so no dot look-alike is added beyond NFKC.
 */

/**
 * Characters whose NFKC form holds `/`, `\`, `;`, `%` or one of `CONFUSABLE_SEPARATORS` (`½` → `1⁄2`, `㎧` →
 * `m∕s`), or consists of dots only. Complete for the running Unicode version: a test checks every code point.
 * Written out rather than computed: scanning all code points would cost every cold start.
 */
export const NFKC_LOOKALIKES: readonly string[] = [
  '\u00bc', // "1⁄4"
  '\u00bd', // "1⁄2"
  '\u00be', // "3⁄4"
  '\u037e', // ";"
  '\u2024', // "."
  '\u2025', // ".."
  '\u2026', // "..."
  '\u2100', // "a/c"
  '\u2101', // "a/s"
  '\u2105', // "c/o"
  '\u2106', // "c/u"
  '\u2150', // "1⁄7"
  '\u2151', // "1⁄9"
  '\u2152', // "1⁄10"
  '\u2153', // "1⁄3"
  '\u2154', // "2⁄3"
  '\u2155', // "1⁄5"
  '\u2156', // "2⁄5"
  '\u2157', // "3⁄5"
  '\u2158', // "4⁄5"
  '\u2159', // "1⁄6"
  '\u215a', // "5⁄6"
  '\u215b', // "1⁄8"
  '\u215c', // "3⁄8"
  '\u215d', // "5⁄8"
  '\u215e', // "7⁄8"
  '\u215f', // "1⁄"
  '\u2189', // "0⁄3"
  '\u33a7', // "m∕s"
  '\u33a8', // "m∕s2"
  '\u33ae', // "rad∕s"
  '\u33af', // "rad∕s2"
  '\u33c6', // "C∕kg"
  '\u33de', // "V∕m"
  '\u33df', // "A∕m"
  '\ufe14', // ";"
  '\ufe19', // "..."
  '\ufe30', // ".."
  '\ufe52', // "."
  '\ufe54', // ";"
  '\ufe68', // "\"
  '\ufe6a', // "%"
  '\uff05', // "%"
  '\uff0e', // "."
  '\uff0f', // "/"
  '\uff1b', // ";"
  '\uff3c', // "\"
];

/** Slash and backslash look-alikes that NFKC does not map (the symbols among Unicode's confusables of `/` and `\`). */
export const CONFUSABLE_SEPARATORS: readonly string[] = [
  '\u2044', // FRACTION SLASH
  '\u2215', // DIVISION SLASH
  '\u2571', // BOX DRAWINGS LIGHT DIAGONAL UPPER RIGHT TO LOWER LEFT
  '\u27cb', // MATHEMATICAL RISING DIAGONAL
  '\u29f8', // BIG SOLIDUS
  '\u2216', // SET MINUS
  '\u2572', // BOX DRAWINGS LIGHT DIAGONAL UPPER LEFT TO LOWER RIGHT
  '\u27cd', // MATHEMATICAL FALLING DIAGONAL
  '\u29f5', // REVERSE SOLIDUS OPERATOR
  '\u29f9', // BIG REVERSE SOLIDUS
];

/** Characters refused anywhere in a path: `%`, `;`, `\`, NUL, line terminators and the look-alikes above. */
export const REFUSED_CHARACTERS: readonly string[] = [
  '%',
  ';',
  '\\',
  '\0',
  '\n',
  '\r',
  '\u2028',
  '\u2029',
  ...NFKC_LOOKALIKES,
  ...CONFUSABLE_SEPARATORS,
];

/**
 * IAM patterns (relative to the API stage prefix, i.e. matched against `GET/tenants/acme/me`) of the segment
 * shapes that are refused: dot segments, empty segments, a trailing slash. The root resource `GET/` has a
 * single slash and is not matched by `*\/*\/`.
 */
const SEGMENT_PATTERNS: readonly string[] = ['*/./*', '*/.', '*/../*', '*/..', '*//*', '*/*/'];

/**
 * IAM resource patterns (relative to the API stage prefix) of every non-canonical resource: the segment shapes,
 * then `*c*` for each refused character. Each Allow policy also denies these, so a policy that API Gateway caches
 * for a token never allows a path that the fresh check refuses.
 */
export const NON_CANONICAL_RESOURCES: readonly string[] = [
  ...SEGMENT_PATTERNS,
  ...REFUSED_CHARACTERS.map((character) => `*${character}*`),
];

// The common case, decided without the patterns: non-empty segments of ASCII letters, digits, `_`, `-`, `~` and
// the braces of a route template, none with a dot; no refused character or segment shape can match them.
const PLAIN = /^(?:\/[\w~{}-]+)+$/;
const REFUSED = new RegExp(`[${REFUSED_CHARACTERS.map(escapeForClass).join('')}]`, 'u');

/**
 * Whether a request path — a raw path (`/tenants/acme/me`, as sent) or the path part of a method ARN — is
 * canonical (see the rule above). Decides exactly what `NON_CANONICAL_RESOURCES` denies.
 */
export function isCanonicalPath(path: string): boolean {
  if (path === '/' || PLAIN.test(path)) return true;
  if (!path.startsWith('/') || REFUSED.test(path)) return false;
  // The segment shapes, matched the way the policy matches them (a method in front, as in a resource).
  const resource = `GET${path}`;
  return !SEGMENT_PATTERNS.some((pattern) => matchesArnPattern(pattern, resource));
}

/**
 * Whether the resource of a method ARN (`GET/tenants/acme/me`: method, then the path) has a canonical path.
 * A resource without a path part is not a request resource at all.
 */
export function isCanonicalResource(resource: string): boolean {
  const slash = resource.indexOf('/');
  return slash > 0 && isCanonicalPath(resource.slice(slash));
}

// Written as `\u{…}` escapes so that no character of the class is read as regular-expression syntax.
function escapeForClass(character: string): string {
  return `\\u{${(character.codePointAt(0) ?? 0).toString(16)}}`;
}
