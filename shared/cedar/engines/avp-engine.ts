import {
  BatchIsAuthorizedCommand,
  type BatchIsAuthorizedInputItem,
  type BatchIsAuthorizedOutput,
  type BatchIsAuthorizedOutputItem,
  IsAuthorizedCommand,
  type IsAuthorizedCommandOutput,
  type VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import { PolicyEngineError } from '../../runtime/errors';
import type { CedarRequest, Decision } from '../cedar-model';
import { batchIsAuthorizedInput, isAuthorizedInput } from './avp-request';

/**
 * At most 30 requests per `BatchIsAuthorized` call ("The requests of a BatchIsAuthorized API request can contain
 * up to 30 requests", https://docs.aws.amazon.com/verifiedpermissions/latest/apireference/API_BatchIsAuthorized.html).
 */
export const BATCH_SIZE = 30;
/** Batches of one page in flight at once: a page of 100 documents is 4 batches, sent 2 at a time. */
export const BATCH_CONCURRENCY = 2;

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

  /**
   * Decides requests of one principal with `BatchIsAuthorized`, in batches of `BATCH_SIZE`, `BATCH_CONCURRENCY`
   * batches at a time; the answers are in the order of `requests`. Fails closed and whole: a failed call, or an
   * answer that is missing, out of order or not `ALLOW`/`DENY`, is a `PolicyEngineError` for all of them (the
   * page is refused, never shown partly filtered by guesses). docs/cedar.md "Lists: BatchIsAuthorized".
   */
  async decideAll(policyStoreId: string, requests: readonly CedarRequest[]): Promise<Decision[]> {
    const batches: CedarRequest[][] = [];
    for (let start = 0; start < requests.length; start += BATCH_SIZE) {
      batches.push(requests.slice(start, start + BATCH_SIZE));
    }
    const answers: Decision[][] = new Array(batches.length);
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const index = next++;
        answers[index] = await this.#batch(policyStoreId, batches[index] ?? []);
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, batches.length) }, worker));
    return answers.flat();
  }

  async #batch(policyStoreId: string, batch: readonly CedarRequest[]): Promise<Decision[]> {
    const input = batchIsAuthorizedInput(policyStoreId, batch);
    let output: BatchIsAuthorizedOutput;
    try {
      output = await this.#client.send(new BatchIsAuthorizedCommand(input));
    } catch (error) {
      throw new PolicyEngineError(`BatchIsAuthorized on policy store ${policyStoreId} failed`, { cause: error });
    }
    const results = output.results ?? [];
    if (results.length !== input.requests.length) {
      throw new PolicyEngineError(
        `BatchIsAuthorized on policy store ${policyStoreId} answered ${results.length} of ${input.requests.length} requests`,
      );
    }
    return results.map((result, index) => {
      const asked = input.requests[index];
      if (asked === undefined || !answers(result, asked)) {
        throw new PolicyEngineError(
          `BatchIsAuthorized on policy store ${policyStoreId} answered request ${index} with another request`,
        );
      }
      if (result.decision !== 'ALLOW' && result.decision !== 'DENY') {
        throw new PolicyEngineError(`BatchIsAuthorized on policy store ${policyStoreId} gave no decision for ${index}`);
      }
      return {
        decision: result.decision === 'ALLOW' ? 'allow' : 'deny',
        determiningPolicies: (result.determiningPolicies ?? []).map((policy) => policy.policyId ?? ''),
      };
    });
  }
}

/** Whether an answer names the request it answers (AVP echoes it; the results come in the order requested). */
function answers(result: BatchIsAuthorizedOutputItem, asked: BatchIsAuthorizedInputItem): boolean {
  const echoed = result.request;
  return (
    echoed?.principal?.entityType === asked.principal?.entityType &&
    echoed?.principal?.entityId === asked.principal?.entityId &&
    echoed?.action?.actionType === asked.action?.actionType &&
    echoed?.action?.actionId === asked.action?.actionId &&
    echoed?.resource?.entityType === asked.resource?.entityType &&
    echoed?.resource?.entityId === asked.resource?.entityId
  );
}
