import { cognitoIssuers, type IssuerForm, type UserPoolIssuers } from '@cognito-tenancy/tenant-context';
import { ConfigurationError } from '../runtime/errors';
import { type Env, readList } from '../runtime/settings';

const FORMS: readonly IssuerForm[] = ['original', 'updated'];

/**
 * The issuers the authorizer accepts for each pool (docs/authorizer.md "Multi-Region user pools"):
 * `TENANCY_ISSUER_FORMS` (`original`, `updated` or both, for every pool; `original` when unset, the form of every
 * pool that has not switched its issuer configuration, so nothing is accepted that such a pool cannot issue) and
 * `TENANCY_REPLICA_REGIONS` (`<poolId>=<region>` entries, one per replica Region of a replicated pool; none when
 * unset). Each accepted issuer is listed exactly; nothing widens the issuer check to a pattern. Throws
 * `ConfigurationError` on an unknown form, a Region of a pool not in `TENANCY_USER_POOL_IDS`, or anything
 * `cognitoIssuers` refuses (ill-formed or repeated Regions, replicas without the original form).
 */
export function userPoolIssuersFromEnv(env: Env, userPoolIds: readonly string[]): UserPoolIssuers[] {
  const forms = readList(env, 'TENANCY_ISSUER_FORMS', ['original']);
  for (const form of forms) {
    if (!(FORMS as readonly string[]).includes(form)) {
      throw new ConfigurationError(`"${form}" is not an issuer form (original, updated)`, 'TENANCY_ISSUER_FORMS');
    }
  }
  if (forms.length === 0 || new Set(forms).size !== forms.length) {
    throw new ConfigurationError('must list original, updated or both, each once', 'TENANCY_ISSUER_FORMS');
  }
  const replicas = new Map<string, string[]>(userPoolIds.map((poolId) => [poolId, []]));
  for (const entry of readList(env, 'TENANCY_REPLICA_REGIONS', [])) {
    const [poolId = '', region = '', ...extra] = entry.split('=');
    const regions = replicas.get(poolId);
    if (regions === undefined || extra.length > 0 || region === '') {
      throw new ConfigurationError(
        `"${entry}" is not <poolId>=<region> for a pool of TENANCY_USER_POOL_IDS`,
        'TENANCY_REPLICA_REGIONS',
      );
    }
    regions.push(region);
  }
  // The map holds every pool, in TENANCY_USER_POOL_IDS order.
  const pools = [...replicas].map(([userPoolId, replicaRegions]) => ({
    userPoolId,
    issuerForms: forms as IssuerForm[],
    replicaRegions,
  }));
  try {
    // Pool ids and forms are checked above: what is left to refuse is about the Regions.
    cognitoIssuers(pools);
  } catch (error) {
    throw new ConfigurationError((error as Error).message, 'TENANCY_REPLICA_REGIONS', { cause: error });
  }
  return pools;
}
