/**
 * Request paths the authorizer accepts: no `.` or `..` segments, no empty segments, and no percent-encoded
 * `.`, `/`, `\` or `%`, in whatever case or encoding.
 *
 * The IAM resources of an Allow policy match across `/` (`…/tenants/acme/admin/*` matches
 * `…/tenants/acme/admin/../../globex/me`), while a backend or proxy that normalises the path would serve
 * another tenant's resource for it. So such paths are refused on every route rather than normalised here:
 * a caller that is not probing never sends one.
 */

// Encoded dot, slash, backslash and percent (double encoding), NUL, overlong UTF-8 leads (C0, C1) and the
// leads of three-byte characters (E0-EF: fullwidth and leader dots, fullwidth solidi): nothing a canonical
// path needs, and each has a literal IAM pattern in NON_CANONICAL_RESOURCES, so a cached policy agrees.
const ENCODED = /%(?:2e|2f|5c|25|00|c0|c1|e[0-9a-f])/i;
// The common case, decided without decoding: non-empty segments of ASCII letters, digits, `_`, `-`, `~` and the
// braces of a route template, none of them dot-only (no `.` at all). Anything else takes the full check.
const PLAIN = /^(?:\/[\w~{}-]+)+$/;

/**
 * Whether a request path — a raw path (`/tenants/acme/me`, percent-encoded as sent) or the path part of a
 * method ARN — is canonical: it starts with `/`, and once percent-decoded and Unicode-normalised (NFKC, as a
 * backend might: `．` becomes `.`) it has the same segments, none of them empty, `.` or `..`.
 * The root path `/` is canonical.
 */
export function isCanonicalPath(path: string): boolean {
  if (path === '/' || PLAIN.test(path)) return true;
  if (!path.startsWith('/') || ENCODED.test(path) || path.includes('\\')) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path).normalize('NFKC');
  } catch {
    return false; // malformed percent-encoding
  }
  const raw = path.split('/');
  const segments = decoded.split('/');
  // A decoded or normalised character became a separator (`％2f`, fullwidth solidus): not the path it looks like.
  if (segments.length !== raw.length || decoded.includes('\\') || decoded.includes('\0')) return false;
  for (let index = 1; index < segments.length; index++) {
    const segment = segments[index];
    if (segment === '' || segment === '.' || segment === '..') return false;
  }
  return true;
}

/**
 * Whether the resource of a method ARN (`GET/tenants/acme/me`: method, then the path) has a canonical path.
 * A resource without a path part is not a request resource at all.
 */
export function isCanonicalResource(resource: string): boolean {
  const slash = resource.indexOf('/');
  return slash > 0 && isCanonicalPath(resource.slice(slash));
}

/**
 * IAM resource patterns (relative to the API stage prefix) of every resource whose path is not canonical in
 * the ways a method ARN can show it. Each Allow policy also denies these, so a policy that API Gateway caches
 * for a token never allows such a path on a later request that the authorizer does not see.
 */
export const NON_CANONICAL_RESOURCES: readonly string[] = [
  '*/./*',
  '*/.',
  '*/../*',
  '*/..',
  '*//*',
  // A trailing slash: an empty last segment (the root resource `GET/` has a single slash and is not matched).
  '*/*/',
  '*%2e*',
  '*%2E*',
  '*%2f*',
  '*%2F*',
  '*%5c*',
  '*%5C*',
  '*%25*',
  '*%00*',
  // Overlong UTF-8 and every percent-encoded three-byte character (isCanonicalPath refuses them alike).
  '*%C0*',
  '*%c0*',
  '*%C1*',
  '*%c1*',
  '*%E*',
  '*%e*',
  // Characters that Unicode normalisation (NFKC) turns into a dot, a slash or a backslash.
  '*．*',
  '*․*',
  '*‥*',
  '*﹒*',
  '*／*',
  '*＼*',
  '*﹨*',
  '*\\*',
];
