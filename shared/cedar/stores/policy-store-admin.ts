import { ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { N } from '../../registry/dynamo-item';
import { assertTenantId } from '../../registry/tenant-id';
import { RegistryUnavailableError, TenancyError } from '../../runtime/errors';
import { type PolicyStoreRecord, PolicyStoreRegistry, recordItem } from './policy-store-registry';

/** The version changed between read and write: someone else changed the set; read again. */
export class PolicySetConflictError extends TenancyError {
  override name = 'PolicySetConflictError';
  constructor(readonly tenantId: string) {
    super(`policy set of tenant ${tenantId} changed concurrently; run the command again`);
  }
}

/** Operator writes of the policy store records (never in a Lambda bundle): `tenants policy-store`, `policies`. */
export class PolicyStoreAdmin extends PolicyStoreRegistry {
  /**
   * Writes the record. `expectedVersion` undefined: only where none exists; otherwise only while the stored
   * version still is `expectedVersion` (`PolicySetConflictError` if not). The stored version becomes one more.
   */
  async putRecord(
    record: Omit<PolicyStoreRecord, 'version' | 'updatedAt'>,
    expectedVersion: number | undefined,
  ): Promise<PolicyStoreRecord> {
    assertTenantId(record.tenantId);
    const written: PolicyStoreRecord = {
      ...record,
      version: (expectedVersion ?? 0) + 1,
      updatedAt: this.table.now().toISOString(),
    };
    try {
      await this.table.client.send(
        new PutItemCommand({
          TableName: this.table.tableName,
          Item: recordItem(written),
          ...(expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': N(expectedVersion) } }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new PolicySetConflictError(record.tenantId);
      throw new RegistryUnavailableError('putPolicyStore', { cause: error });
    }
    return written;
  }
}
