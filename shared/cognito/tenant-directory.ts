import {
  AdminAddUserToGroupCommand,
  AdminUpdateUserAttributesCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { DirectoryUnavailableError } from '../runtime/errors';
import { TENANT_ID_ATTRIBUTE } from './tenant-id-attribute';

/**
 * The Cognito user pool calls the triggers make, IAM-authorised admin APIs that write the tenant binding.
 * Operator calls (create, list, delete users) are in `DirectoryAdmin`, so they never reach a Lambda bundle.
 * Every failure becomes a `DirectoryUnavailableError`, so callers handle one error family.
 */
export class TenantDirectory {
  constructor(readonly client: CognitoIdentityProviderClient) {}

  /** Writes `custom:tenantId` with `AdminUpdateUserAttributes` (idempotent). */
  async setTenantId(userPoolId: string, username: string, tenantId: string): Promise<void> {
    await this.send('AdminUpdateUserAttributes', () =>
      this.client.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: userPoolId,
          Username: username,
          UserAttributes: [{ Name: TENANT_ID_ATTRIBUTE, Value: tenantId }],
        }),
      ),
    );
  }

  /** Adds the user to a role group with `AdminAddUserToGroup` (idempotent: adding twice is no change). */
  async addToGroup(userPoolId: string, username: string, group: string): Promise<void> {
    await this.send('AdminAddUserToGroup', () =>
      this.client.send(
        new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: username, GroupName: group }),
      ),
    );
  }

  /** Runs one SDK call; any failure becomes `DirectoryUnavailableError(operation)`. */
  protected async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new DirectoryUnavailableError(operation, { cause: error });
    }
  }
}
