/** Longest authorization header accepted; Cognito tokens with 100 groups stay well below it. */
export const MAX_AUTHORIZATION_LENGTH = 12 * 1024;

// `Bearer`, in any case, one space, then exactly one compact JWS (three base64url parts, no padding).
const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr] [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * The token of an `Authorization: Bearer <token>` header value, or `undefined` for anything else: a missing
 * or non-string value, another scheme, a bare token, extra spaces, two tokens, non-ASCII, an oversized
 * header, or a part that is not canonical base64url. aws-jwt-verify does not strip the scheme itself, and it
 * decodes leniently: a last character with non-zero spare bits decodes to the same bytes, so one signed token
 * could be sent as several different strings. Requiring the canonical form keeps token strings one-to-one
 * with tokens (for the memo, API Gateway's cache keys and anything that lists tokens by string).
 */
export function parseBearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string' || header.length > MAX_AUTHORIZATION_LENGTH || !BEARER.test(header)) {
    return undefined;
  }
  const token = header.slice(7);
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  const canonical =
    canonicalEnd(token, 0, first) &&
    canonicalEnd(token, first + 1, second) &&
    canonicalEnd(token, second + 1, token.length);
  return canonical ? token : undefined;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Whether the base64url part `token[start, end)` has a valid length and zero spare bits in its last character. */
function canonicalEnd(token: string, start: number, end: number): boolean {
  const remainder = (end - start) % 4;
  if (remainder === 0) return true;
  if (remainder === 1) return false;
  // 2 characters left over carry one byte (4 spare bits), 3 carry two bytes (2 spare bits).
  const spare = remainder === 2 ? 0x0f : 0x03;
  return (BASE64URL.indexOf(token.charAt(end - 1)) & spare) === 0;
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
