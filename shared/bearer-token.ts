/** Longest authorization header accepted; Cognito tokens with 100 groups stay well below it. */
export const MAX_AUTHORIZATION_LENGTH = 12 * 1024;

// `Bearer`, in any case, one space, then exactly one compact JWS (three base64url parts, no padding).
const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr] [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * The token of an `Authorization: Bearer <token>` header value, or `undefined` for anything else: a missing
 * or non-string value, another scheme, a bare token, extra spaces, two tokens, non-ASCII, or an oversized
 * header. aws-jwt-verify does not strip the scheme itself.
 */
export function parseBearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string' || header.length > MAX_AUTHORIZATION_LENGTH) return undefined;
  return BEARER.test(header) ? header.slice(7) : undefined;
}

/**
 * What follows `Bearer ` (scheme in any case) when the header starts that way, without checking the token's
 * form: only for looking up tokens that were fully checked before. `undefined` otherwise.
 */
export function bearerCandidate(header: unknown): string | undefined {
  if (typeof header !== 'string' || header.length > MAX_AUTHORIZATION_LENGTH || header.charCodeAt(6) !== 32) {
    return undefined;
  }
  // Same scheme test as the full check: ASCII letters only, case folded with 0x20 (c | 0x20 is 'b' only for b/B).
  for (let i = 0; i < 6; i++) if ((header.charCodeAt(i) | 0x20) !== SCHEME.charCodeAt(i)) return undefined;
  return header.slice(7);
}

const SCHEME = 'bearer';
