import { NON_CANONICAL_RESOURCES } from '../../shared/authorizer/request-path';

/**
 * The canonical-path Denies a policy for the stage `prefix` carries, as written out by hand: every pattern of
 * the rule without the stage prefix, except the trailing-slash one (which would otherwise deny `GET/`).
 */
export function canonicalDenies(prefix: string): string[] {
  return NON_CANONICAL_RESOURCES.map((pattern) => (pattern === '*/*/' ? `${prefix}${pattern}` : pattern));
}
