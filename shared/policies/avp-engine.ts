import {
  IsAuthorizedCommand,
  type IsAuthorizedCommandOutput,
  type VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import { PolicyEngineError } from '../runtime/errors';
import { isAuthorizedInput } from './avp-request';
import type { CedarRequest, Decision } from './cedar-model';

/**
 * Amazon Verified Permissions: `IsAuthorized` on the tenant's own policy store. The client must carry the
 * tenant-scoped credentials: IAM lets them reach only stores tagged with the same tenant (docs/cedar.md
 * "Choosing the engine").
 */
export class AvpEngine {
  readonly #client: VerifiedPermissionsClient;

  constructor(client: VerifiedPermissionsClient) {
    this.#client = client;
  }

  /** Decides on the store; an unreachable store or a refused call is a `PolicyEngineError` (the caller denies). */
  async decide(policyStoreId: string, request: CedarRequest): Promise<Decision> {
    let output: IsAuthorizedCommandOutput;
    try {
      output = await this.#client.send(new IsAuthorizedCommand(isAuthorizedInput(policyStoreId, request)));
    } catch (error) {
      throw new PolicyEngineError(`IsAuthorized on policy store ${policyStoreId} failed`, { cause: error });
    }
    return {
      decision: output.decision === 'ALLOW' ? 'allow' : 'deny',
      determiningPolicies: (output.determiningPolicies ?? []).map((policy) => policy.policyId ?? ''),
    };
  }
}
