/** Upper bound on group names read from one attribute (Cognito attribute values are ≤ 2048 characters). */
export const MAX_IDP_GROUPS = 100;

// `["…` or `[]`: worth trying JSON.parse.
const JSON_STRING_LIST = /^\[\s*(?:"|\]$)/;

function clean(name: string): string {
  const trimmed = name.trim();
  // Quoted entries come from IdPs that serialise lists themselves: `"a", "b"`.
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
    ? trimmed.slice(1, -1).trim()
    : trimmed;
}

function unique(names: Iterable<string>): string[] {
  const result: string[] = [];
  for (const name of names) {
    if (name !== '' && !result.includes(name)) result.push(name);
    if (result.length >= MAX_IDP_GROUPS) break;
  }
  return result;
}

/**
 * Reads the group names an external IdP sent, as Cognito stores them in a mapped attribute:
 * - a JSON array (`["Admins","Staff"]`, OIDC array claims);
 * - Cognito's bracketed form of multi-valued SAML attributes (`[Admins, Sales Team]`), split on commas only,
 *   so names containing spaces survive;
 * - a bare list, split on commas when it has any, otherwise on whitespace (`Admins Staff`, OAuth style).
 * Never throws: the value is IdP-controlled, and a value it cannot read simply maps to no role.
 */
export function parseIdpGroups(value: string): string[] {
  const text = value.trim();
  if (text === '') return [];
  if (text.startsWith('[') && text.endsWith(']')) {
    // Only a list that starts like a JSON array of strings is tried as JSON: Cognito's SAML form `[a, b]`
    // would make JSON.parse throw, and a thrown exception costs more than the rest of claim shaping.
    if (JSON_STRING_LIST.test(text)) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (Array.isArray(parsed)) {
          return unique(
            parsed.filter((entry): entry is string => typeof entry === 'string').map((entry) => entry.trim()),
          );
        }
      } catch {
        // Not JSON after all (`["a", b]`): read it like the SAML form below.
      }
    }
    return unique(text.slice(1, -1).split(',').map(clean));
  }
  return unique((text.includes(',') ? text.split(',') : text.split(/\s+/)).map(clean));
}
