/** Upper bound on group names read from one attribute (Cognito attribute values are ≤ 2048 characters). */
export const MAX_IDP_GROUPS = 100;

// `["…` or `[]`: worth trying JSON.parse.
const JSON_STRING_LIST = /^\[\s*(?:"|\]$)/;
const QUOTE = 0x22;
const OPEN = 0x5b;
const CLOSE = 0x5d;
// ASCII whitespace and control characters separate and surround names; that is all IdPs send around them.
const isBlank = (code: number) => code <= 0x20;

function add(result: string[], name: string): void {
  if (name !== '' && result.length < MAX_IDP_GROUPS && !result.includes(name)) result.push(name);
}

/**
 * Reads the names in `text[start, end)`, separated by commas or by blanks, each trimmed and unquoted
 * (`"a", "b"` from IdPs that serialise lists themselves). A hand-written scan: this runs for every token of
 * a federated user, and `split`/`trim` chains cost twice as much.
 */
function scan(text: string, start: number, end: number, separator: 'comma' | 'blank'): string[] {
  const result: string[] = [];
  let from = start;
  while (from < end && result.length < MAX_IDP_GROUPS) {
    let to: number;
    if (separator === 'comma') {
      to = text.indexOf(',', from);
      if (to === -1 || to > end) to = end;
    } else {
      to = from;
      while (to < end && !isBlank(text.charCodeAt(to))) to++;
    }
    let a = from;
    let b = to;
    while (a < b && isBlank(text.charCodeAt(a))) a++;
    while (b > a && isBlank(text.charCodeAt(b - 1))) b--;
    if (b - a >= 2 && text.charCodeAt(a) === QUOTE && text.charCodeAt(b - 1) === QUOTE) {
      a++;
      b--;
      while (a < b && isBlank(text.charCodeAt(a))) a++;
      while (b > a && isBlank(text.charCodeAt(b - 1))) b--;
    }
    if (b > a) add(result, text.slice(a, b));
    from = to + 1;
  }
  return result;
}

/**
 * Reads the group names an external IdP sent, as Cognito stores them in a mapped attribute:
 * - a JSON array (`["Admins","Staff"]`, OIDC array claims);
 * - Cognito's bracketed form of multi-valued SAML attributes (`[Admins, Sales Team]`), split on commas only,
 *   so names containing spaces survive;
 * - a bare list, split on commas when it has any, otherwise on blanks (`Admins Staff`, OAuth style).
 * Never throws: the value is IdP-controlled, and a value it cannot read simply maps to no role.
 */
export function parseIdpGroups(value: string): string[] {
  let start = 0;
  let end = value.length;
  while (start < end && isBlank(value.charCodeAt(start))) start++;
  while (end > start && isBlank(value.charCodeAt(end - 1))) end--;
  if (start === end) return [];
  if (value.charCodeAt(start) === OPEN && value.charCodeAt(end - 1) === CLOSE) {
    const text = value.slice(start, end);
    // Only a list that starts like a JSON array of strings is tried as JSON: Cognito's SAML form `[a, b]`
    // would make JSON.parse throw, and a thrown exception costs more than the rest of claim shaping.
    if (JSON_STRING_LIST.test(text)) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (Array.isArray(parsed)) {
          const result: string[] = [];
          for (const entry of parsed) if (typeof entry === 'string') add(result, entry.trim());
          return result;
        }
      } catch {
        // Not JSON after all (`["a", b]`): read it like the SAML form below.
      }
    }
    return scan(value, start + 1, end - 1, 'comma');
  }
  const hasComma = value.indexOf(',', start) !== -1 && value.indexOf(',', start) < end;
  return scan(value, start, end, hasComma ? 'comma' : 'blank');
}
