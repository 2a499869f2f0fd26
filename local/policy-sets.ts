/**
 * The repository's policy model as the local stack, the demo and the benchmark use it (they may read
 * operator code; Lambdas may not).
 */

import type { PolicySetSource, ShareLink } from '../shared/cedar/policy-set';
import { readPolicyFiles } from '../shared/cedar/stores/policy-files';

/** The repository's global policies and templates as one tenant's embedded policy set. */
export function repositoryPolicySet(links: readonly ShareLink[] = [], version = '1'): PolicySetSource {
  const { policies, templates } = readPolicyFiles();
  return { version, policies, templates, links };
}
