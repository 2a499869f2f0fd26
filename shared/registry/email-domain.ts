import { InvalidInputError } from '../runtime/errors';

// One DNS label: letters, digits, inner hyphens, at most 63 characters.
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Normalises an e-mail domain for binding and lookup (lowercase, no trailing dot) and validates it:
 * at least two labels, a non-numeric top-level label, at most 253 characters.
 */
export function normalizeEmailDomain(input: string): string {
  const domain = input.trim().toLowerCase().replace(/\.$/, '');
  const labels = domain.split('.');
  const valid =
    domain.length > 0 &&
    domain.length <= 253 &&
    labels.length >= 2 &&
    labels.every((label) => LABEL.test(label)) &&
    !/^\d+$/.test(labels[labels.length - 1] ?? '');
  if (!valid) throw new InvalidInputError(`invalid e-mail domain ${JSON.stringify(input)}`, 'domain');
  return domain;
}

/** The normalised domain of an e-mail address, or `undefined` when the address has none that is valid. */
export function emailDomainOf(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return undefined;
  try {
    return normalizeEmailDomain(email.slice(at + 1));
  } catch {
    return undefined;
  }
}
