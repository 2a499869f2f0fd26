/**
 * Whether `value` matches an IAM resource pattern: `*` matches any run of characters (`/` included, and
 * none at all), `?` exactly one character, everything else itself, case-sensitively. This is how API Gateway
 * evaluates the `Resource` of an authorizer policy against a method ARN, so a decision computed with it is
 * the decision a cached policy gives later.
 */
export function matchesArnPattern(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  // Position of the last `*` seen and of the value character it was last stretched to; classic linear
  // wildcard matching, which never needs more than this one backtrack point.
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    const code = pattern.charCodeAt(p);
    if (p < pattern.length && (code === QUESTION || (code !== STAR && code === value.charCodeAt(v)))) {
      p++;
      v++;
    } else if (p < pattern.length && code === STAR) {
      star = p++;
      mark = v;
    } else if (star !== -1) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === STAR) p++;
  return p === pattern.length;
}

const STAR = 42; // '*'
const QUESTION = 63; // '?'

/** Whether a string holds an IAM wildcard character, i.e. would mean more than itself as a policy resource. */
export function hasArnWildcard(value: string): boolean {
  return value.includes('*') || value.includes('?');
}
