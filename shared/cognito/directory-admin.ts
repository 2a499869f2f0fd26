import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminRemoveUserFromGroupCommand,
  ListUsersCommand,
  paginateListUsers,
  paginateListUsersInGroup,
  UserNotFoundException,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { DirectoryUnavailableError, TenancyError, UserExistsError } from '../runtime/errors';
import { type DirectoryUser, TenantDirectory, toDirectoryUser } from './tenant-directory';
import { TENANT_ID_ATTRIBUTE } from './tenant-id-attribute';

export type { DirectoryUser } from './tenant-directory';

/**
 * The user pool as operators use it (`invite`, `adopt`): everything `TenantDirectory` does, plus reading,
 * creating, deleting and listing users. No Lambda imports this module, so `AdminCreateUser` and `ListUsers`
 * are in no Lambda bundle and no function role needs them.
 */
export class DirectoryAdmin extends TenantDirectory {
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

  /**
   * The user whose `sub` this is (`ListUsers` with a `sub = "…"` filter), or `undefined`: the only way to find
   * a user by sub in a pool whose user names are not subs. Operator-only (no Lambda may list users).
   */
  async findBySub(userPoolId: string, sub: string): Promise<DirectoryUser | undefined> {
    // The filter's value is quoted; a sub with a quote or backslash is not a Cognito sub and matches nobody.
    if (/["\\]/.test(sub)) return undefined;
    const found = await this.send('ListUsers', () =>
      this.client.send(new ListUsersCommand({ UserPoolId: userPoolId, Filter: `sub = "${sub}"`, Limit: 1 })),
    );
    const user = found.Users?.[0];
    return user === undefined ? undefined : toDirectoryUser(user.Username, user.Attributes);
  }

  /** Removes the user from a group (`AdminRemoveUserFromGroup`; idempotent: not in it is no change). */
  async removeFromGroup(userPoolId: string, username: string, group: string): Promise<void> {
    await this.send('AdminRemoveUserFromGroup', () =>
      this.client.send(
        new AdminRemoveUserFromGroupCommand({ UserPoolId: userPoolId, Username: username, GroupName: group }),
      ),
    );
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
    return new Set((await this.groupMembers(userPoolId, group)).map((user) => user.sub));
  }

  /** A group's members (`ListUsersInGroup`, all pages). */
  async groupMembers(userPoolId: string, group: string): Promise<DirectoryUser[]> {
    return this.send('ListUsersInGroup', async () => {
      const users: DirectoryUser[] = [];
      for await (const page of paginateListUsersInGroup(
        { client: this.client },
        { UserPoolId: userPoolId, GroupName: group },
      )) {
        for (const user of page.Users ?? []) {
          const entry = toDirectoryUser(user.Username, user.Attributes);
          if (entry !== undefined) users.push(entry);
        }
      }
      return users;
    });
  }
}
