import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  ListUsersInGroupCommand,
  UserNotFoundException,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DirectoryAdmin } from '../../shared/cognito/directory-admin';
import { DirectoryUnavailableError, TenancyError, UserExistsError } from '../../shared/runtime/errors';

const POOL = 'us-east-1_Abc';
const cognito = mockClient(CognitoIdentityProviderClient);
const notFound = () => new UserNotFoundException({ message: 'User does not exist.', $metadata: {} });

describe('the operator directory maps every Cognito failure to one error family', () => {
  let directory: DirectoryAdmin;

  beforeEach(() => {
    cognito.reset();
    directory = new DirectoryAdmin(new CognitoIdentityProviderClient({ region: 'us-east-1' }));
  });

  it('reads a user, and reports none when the pool has none', async () => {
    // Prepare
    cognito
      .on(AdminGetUserCommand, { Username: 'alice@acme.example' })
      .resolves({
        Username: 'alice',
        UserAttributes: [
          { Name: 'sub', Value: 'sub-1' },
          { Name: 'custom:tenantId', Value: '' },
        ],
      })
      .on(AdminGetUserCommand, { Username: 'nobody@acme.example' })
      .rejects(notFound());

    // Act
    const alice = await directory.getUser(POOL, 'alice@acme.example');
    const nobody = await directory.getUser(POOL, 'nobody@acme.example');

    // Assess
    expect(alice).toEqual({ username: 'alice', sub: 'sub-1', tenantIdAttribute: undefined });
    expect(nobody).toBeUndefined();
  });

  it.each([
    [
      'a failed read',
      () => cognito.on(AdminGetUserCommand).rejects(new Error('throttled')),
      (d: DirectoryAdmin) => d.getUser(POOL, 'a@b.example'),
    ],
    [
      'a failed delete',
      () => cognito.on(AdminDeleteUserCommand).rejects(new Error('throttled')),
      (d: DirectoryAdmin) => d.deleteUser(POOL, 'a'),
    ],
    [
      'a failed creation',
      () => cognito.on(AdminCreateUserCommand).rejects(new Error('throttled')),
      (d: DirectoryAdmin) => d.createInvitedUser(POOL, 'a@b.example', 'acme'),
    ],
    [
      'a failed listing',
      () => cognito.on(ListUsersCommand).rejects(new Error('throttled')),
      (d: DirectoryAdmin) => d.listUsers(POOL).next(),
    ],
    [
      'a failed removal from a group',
      () => cognito.on(AdminRemoveUserFromGroupCommand).rejects(new Error('throttled')),
      (d: DirectoryAdmin) => d.removeFromGroup(POOL, 'a', 'tenant-admin'),
    ],
    [
      'a failed look-up by sub',
      () => cognito.on(ListUsersCommand).rejects(new Error('throttled')),
      (d: DirectoryAdmin) => d.findBySub(POOL, 'sub-1'),
    ],
    [
      'a failed group listing',
      () => cognito.on(ListUsersInGroupCommand).rejects(new Error('throttled')),
      (d: DirectoryAdmin) => d.groupMemberSubs(POOL, 'tenant-admin'),
    ],
  ])('maps %s to DirectoryUnavailableError', async (_case, arrange, act) => {
    // Prepare
    arrange();

    // Act
    const error = await act(directory).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(DirectoryUnavailableError);
  });

  it('finds a user by sub with a quoted filter, and matches nobody for a sub that could break out of it', async () => {
    // Prepare
    cognito
      .on(ListUsersCommand, { Filter: 'sub = "sub-1"' })
      .resolves({ Users: [{ Username: 'alice', Attributes: [{ Name: 'sub', Value: 'sub-1' }] }] })
      .on(ListUsersCommand, { Filter: 'sub = "sub-2"' })
      .resolves({ Users: [] });

    // Act
    const alice = await directory.findBySub(POOL, 'sub-1');
    const nobody = await directory.findBySub(POOL, 'sub-2');
    const injected = await directory.findBySub(POOL, 'x" or sub ^= "');

    // Assess
    expect(alice).toEqual({ username: 'alice', sub: 'sub-1', tenantIdAttribute: undefined });
    expect(nobody).toBeUndefined();
    expect(injected).toBeUndefined();
    expect(cognito.commandCalls(ListUsersCommand)).toHaveLength(2);
  });

  it('clears custom:tenantId with a blank value, which Cognito documents as deleting the attribute', async () => {
    // Prepare
    cognito.on(AdminUpdateUserAttributesCommand).resolves({});

    // Act
    await directory.clearTenantId(POOL, 'alice');

    // Assess
    expect(cognito.commandCalls(AdminUpdateUserAttributesCommand)[0]?.args[0].input).toEqual({
      UserPoolId: POOL,
      Username: 'alice',
      UserAttributes: [{ Name: 'custom:tenantId', Value: '' }],
    });
  });

  it('treats deleting a user who is already gone as done', async () => {
    // Prepare
    cognito.on(AdminDeleteUserCommand).rejects(notFound());

    // Act & Assess
    await expect(directory.deleteUser(POOL, 'gone')).resolves.toBeUndefined();
  });

  it('refuses to invite a user the pool already has, and a created user without a sub', async () => {
    // Prepare
    cognito
      .on(AdminCreateUserCommand, { Username: 'taken@acme.example' })
      .rejects(new UsernameExistsException({ message: 'exists', $metadata: {} }))
      .on(AdminCreateUserCommand, { Username: 'odd@acme.example' })
      .resolves({ User: { Username: 'odd', Attributes: [] } });

    // Act
    const taken = await directory.createInvitedUser(POOL, 'taken@acme.example', 'acme').catch((e: unknown) => e);
    const odd = await directory.createInvitedUser(POOL, 'odd@acme.example', 'acme').catch((e: unknown) => e);

    // Assess
    expect(taken).toBeInstanceOf(UserExistsError);
    expect(odd).toBeInstanceOf(TenancyError);
    expect((odd as Error).message).toBe('AdminCreateUser returned a user without a name or sub');
  });

  it('pages through users and group members, skipping entries without a sub', async () => {
    // Prepare
    cognito
      .on(ListUsersCommand)
      .resolvesOnce({
        Users: [{ Username: 'a', Attributes: [{ Name: 'sub', Value: 'sub-a' }] }, { Username: 'b' }],
        PaginationToken: 'next',
      })
      .resolvesOnce({ Users: [{ Username: 'c', Attributes: [{ Name: 'sub', Value: 'sub-c' }] }] });
    cognito
      .on(ListUsersInGroupCommand)
      .resolvesOnce({
        Users: [{ Username: 'a', Attributes: [{ Name: 'sub', Value: 'sub-a' }] }, { Username: 'b' }],
        NextToken: 'n',
      })
      .resolvesOnce({ Users: [{ Username: 'c', Attributes: [{ Name: 'sub', Value: 'sub-c' }] }] });

    // Act
    const pages: string[][] = [];
    for await (const page of directory.listUsers(POOL)) pages.push(page.map((user) => user.sub));
    const admins = await directory.groupMemberSubs(POOL, 'tenant-admin');

    // Assess
    expect(pages).toEqual([['sub-a'], ['sub-c']]);
    expect([...admins]).toEqual(['sub-a', 'sub-c']);
  });
});
