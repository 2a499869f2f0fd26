import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  type AttributeType,
  paginateListUsers,
  paginateListUsersInGroup,
  UserNotFoundException,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { DirectoryUnavailableError, TenancyError, UserExistsError } from '../runtime/errors';
import { TenantDirectory } from './tenant-directory';
import { TENANT_ID_ATTRIBUTE } from './tenant-id-attribute';

/** A pool user as the suite sees it: name, sub and the (untrusted until backed) tenant attribute. */
export interface DirectoryUser {
  readonly username: string;
  readonly sub: string;
  readonly tenantIdAttribute: string | undefined;
}

function attributeValue(attributes: readonly AttributeType[] | undefined, name: string): string | undefined {
  const value = attributes?.find((attribute) => attribute.Name === name)?.Value;
  return value === undefined || value === '' ? undefined : value;
}

function toDirectoryUser(
  username: string | undefined,
  attributes: readonly AttributeType[] | undefined,
): DirectoryUser | undefined {
  const sub = attributeValue(attributes, 'sub');
  if (username === undefined || sub === undefined) return undefined;
  return { username, sub, tenantIdAttribute: attributeValue(attributes, TENANT_ID_ATTRIBUTE) };
}

/**
 * The user pool as operators use it (`invite`, `adopt`): everything `TenantDirectory` does, plus reading,
 * creating, deleting and listing users. No Lambda imports this module, so `AdminCreateUser` and `ListUsers`
 * are in no Lambda bundle and no function role needs them.
 */
export class DirectoryAdmin extends TenantDirectory {
  /** The user, or `undefined` when the pool has none by that name (or alias). */
  async getUser(userPoolId: string, username: string): Promise<DirectoryUser | undefined> {
    try {
      const user = await this.client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }));
      return toDirectoryUser(user.Username, user.UserAttributes);
    } catch (error) {
      if (error instanceof UserNotFoundException) return undefined;
      throw new DirectoryUnavailableError('AdminGetUser', { cause: error });
    }
  }

  /**
   * Creates an invited user with `AdminCreateUser`, carrying `custom:tenantId`; Cognito e-mails the temporary
   * password. The address is marked verified: the operator vouches for it, and the temporary password only
   * reaches whoever reads that mailbox. `UserExistsError` when the name is taken.
   */
  async createInvitedUser(userPoolId: string, email: string, tenantId: string): Promise<DirectoryUser> {
    try {
      const created = await this.client.send(
        new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: email,
          DesiredDeliveryMediums: ['EMAIL'],
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'email_verified', Value: 'true' },
            { Name: TENANT_ID_ATTRIBUTE, Value: tenantId },
          ],
        }),
      );
      const user = toDirectoryUser(created.User?.Username, created.User?.Attributes);
      if (user === undefined) throw new TenancyError('AdminCreateUser returned a user without a name or sub');
      return user;
    } catch (error) {
      if (error instanceof UsernameExistsException) throw new UserExistsError('the user pool already has this user');
      if (error instanceof TenancyError) throw error;
      throw new DirectoryUnavailableError('AdminCreateUser', { cause: error });
    }
  }

  /** Deletes a user (rollback of a failed invitation); a user that is already gone is no error. */
  async deleteUser(userPoolId: string, username: string): Promise<void> {
    try {
      await this.client.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: username }));
    } catch (error) {
      if (error instanceof UserNotFoundException) return;
      throw new DirectoryUnavailableError('AdminDeleteUser', { cause: error });
    }
  }

  /** Every user of the pool, page by page (`ListUsers`, 60 per page). */
  async *listUsers(userPoolId: string): AsyncGenerator<DirectoryUser[]> {
    const pages = paginateListUsers({ client: this.client, pageSize: 60 }, { UserPoolId: userPoolId });
    const iterator = pages[Symbol.asyncIterator]();
    for (;;) {
      const page = await this.send('ListUsers', () => iterator.next());
      if (page.done) return;
      const users: DirectoryUser[] = [];
      for (const user of page.value.Users ?? []) {
        const entry = toDirectoryUser(user.Username, user.Attributes);
        if (entry !== undefined) users.push(entry);
      }
      yield users;
    }
  }

  /** The subs of a group's members (`ListUsersInGroup`, all pages). */
  async groupMemberSubs(userPoolId: string, group: string): Promise<Set<string>> {
    return this.send('ListUsersInGroup', async () => {
      const subs = new Set<string>();
      for await (const page of paginateListUsersInGroup(
        { client: this.client },
        { UserPoolId: userPoolId, GroupName: group },
      )) {
        for (const user of page.Users ?? []) {
          const sub = attributeValue(user.Attributes, 'sub');
          if (sub !== undefined) subs.add(sub);
        }
      }
      return subs;
    });
  }
}
