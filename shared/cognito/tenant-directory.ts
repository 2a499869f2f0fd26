import {
  AdminAddUserToGroupCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  type AttributeType,
  type CognitoIdentityProviderClient,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { DirectoryUnavailableError } from '../runtime/errors';
import { TENANT_ID_ATTRIBUTE } from './tenant-id-attribute';

/** A pool user as the suite sees it: name, sub and the (untrusted until backed) tenant attribute. */
export interface DirectoryUser {
  readonly username: string;
  readonly sub: string;
  readonly tenantIdAttribute: string | undefined;
}

/** The value of a user attribute, `undefined` when absent or blank. */
function attributeValue(attributes: readonly AttributeType[] | undefined, name: string): string | undefined {
  const value = attributes?.find((attribute) => attribute.Name === name)?.Value;
  return value === undefined || value === '' ? undefined : value;
}

/** A `DirectoryUser` from a user's name and attributes; `undefined` without a name or a sub. */
export function toDirectoryUser(
  username: string | undefined,
  attributes: readonly AttributeType[] | undefined,
): DirectoryUser | undefined {
  const sub = attributeValue(attributes, 'sub');
  if (username === undefined || sub === undefined) return undefined;
  return { username, sub, tenantIdAttribute: attributeValue(attributes, TENANT_ID_ATTRIBUTE) };
}

/**
 * The Cognito user pool calls the Lambdas make, IAM-authorised admin APIs that read a user and write the tenant
 * binding.
 * Operator calls (create, list, delete users) are in `DirectoryAdmin`, so they never reach a Lambda bundle.
 * Every failure becomes a `DirectoryUnavailableError`, so callers handle one error family.
 */
export class TenantDirectory {
  constructor(readonly client: CognitoIdentityProviderClient) {}

  /**
   * The user, or `undefined` when the pool has none by that name or alias (`AdminGetUser`, a read the
   * members API may make to add an existing user by e-mail address).
   */
  async getUser(userPoolId: string, username: string): Promise<DirectoryUser | undefined> {
    try {
      const user = await this.client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }));
      return toDirectoryUser(user.Username, user.UserAttributes);
    } catch (error) {
      if (error instanceof UserNotFoundException) return undefined;
      throw new DirectoryUnavailableError('AdminGetUser', { cause: error });
    }
  }

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

  /**
   * Clears `custom:tenantId` (a user left without an active membership): `AdminUpdateUserAttributes` with a
   * blank value, which Cognito documents as deleting the attribute, so no further IAM action is needed. Pre
   * token generation refuses a user without it ("not assigned to an organization").
   */
  async clearTenantId(userPoolId: string, username: string): Promise<void> {
    await this.setTenantId(userPoolId, username, '');
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
