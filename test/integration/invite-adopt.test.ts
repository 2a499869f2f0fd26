import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  UserNotFoundException,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/tenants-cli';
import { DirectoryAdmin } from '../../shared/cognito/directory-admin';
import { invitationPlaceholder } from '../../shared/operations/invitation';
import type { AdoptionReport } from '../../shared/operations/pool-adoption';
import type { TenantAdmin } from '../../shared/registry/tenant-admin';
import { type Cli, cliRunner } from '../support/cli';
import { useCognitoLocal } from '../support/cognito-pool';
import { createTestRegistry, type TestRegistry } from '../support/registry';
import { createPoolUser, importSeedTenants, poolState } from '../support/sign-up';

function cliFor(test: TestRegistry, cognito: { readonly endpoint: string }, extra: Partial<CliIo> = {}): Cli {
  const env = {
    AWS_ENDPOINT_URL_DYNAMODB: test.endpoint,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
  };
  return cliRunner(env, ['--table', test.tableName], extra);
}

describe('tenants invite against DynamoDB Local and cognito-local', () => {
  const local = useCognitoLocal('file');
  let test: TestRegistry;
  let registry: TenantAdmin;
  let cli: Cli;
  let n = 0;
  const address = (domain: string) => `invitee${++n}.${Date.now()}@${domain}`;

  beforeEach(async () => {
    test = await createTestRegistry();
    registry = test.registry;
    await importSeedTenants(test);
    cli = cliFor(test, local.cognito);
  });

  const getUser = (email: string) =>
    local.client.send(new AdminGetUserCommand({ UserPoolId: local.cognito.userPoolId, Username: email }));
  const subOf = async (email: string) =>
    (await getUser(email)).UserAttributes?.find((attribute) => attribute.Name === 'sub')?.Value ?? '';
  // cognito-local lists groups by user name only (Cognito also accepts the e-mail alias).
  const stateOf = async (email: string) =>
    poolState(local.client, local.cognito.userPoolId, (await getUser(email)).Username ?? '');

  it('records the membership, creates the user with custom:tenantId and adds the member group', async () => {
    // Prepare
    const email = address('acme.example');

    // Act
    const result = await cli('invite', email, '--tenant', 'acme', '--pool', local.cognito.userPoolId);

    // Assess
    const sub = await subOf(email);
    expect(result).toMatchObject({ code: 0, out: [`invited user ${sub} into acme as tenant-member`] });
    expect(await stateOf(email)).toEqual({ tenantId: 'acme', groups: ['tenant-member'] });
    expect(await registry.listMembers('acme')).toEqual([
      expect.objectContaining({ sub, role: 'tenant-member', source: 'invite' }),
    ]);
    expect((await registry.requireTenant('acme')).seats).toBe(1);
  });

  it('grants the role given with --role', async () => {
    // Prepare
    const email = address('globex.example');

    // Act
    const result = await cli(
      'invite',
      email,
      '--tenant',
      'globex',
      '--role',
      'tenant-admin',
      '--pool',
      local.cognito.userPoolId,
    );

    // Assess
    expect(result.code).toBe(0);
    expect(await stateOf(email)).toEqual({
      tenantId: 'globex',
      groups: ['tenant-admin'],
    });
  });

  it('is idempotent: inviting the same address again finishes instead of taking a second seat', async () => {
    // Prepare
    const email = address('acme.example');
    await cli('invite', email, '--tenant', 'acme', '--pool', local.cognito.userPoolId);

    // Act
    const again = await cli('invite', email, '--tenant', 'acme', '--pool', local.cognito.userPoolId);

    // Assess
    expect(again.code).toBe(0);
    expect(again.out[0]).toMatch(/^completed the invitation of user /);
    expect((await registry.requireTenant('acme')).seats).toBe(1);
    expect(await registry.listMembers('acme')).toHaveLength(1);
  });

  it('finishes an invitation interrupted after the user was created', async () => {
    // Prepare: the seat is reserved and the user exists, but the reservation was never turned into a membership
    const email = address('acme.example');
    await registry.addMember({
      tenantId: 'acme',
      sub: invitationPlaceholder('acme', email),
      role: 'tenant-member',
      source: 'invite',
    });
    await local.client.send(
      new AdminCreateUserCommand({
        UserPoolId: local.cognito.userPoolId,
        Username: email,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'custom:tenantId', Value: 'acme' },
        ],
      }),
    );

    // Act
    const result = await cli('invite', email, '--tenant', 'acme', '--pool', local.cognito.userPoolId);

    // Assess
    const sub = await subOf(email);
    expect(result.code).toBe(0);
    expect((await registry.listMembers('acme')).map((member) => member.sub)).toEqual([sub]);
    expect((await registry.requireTenant('acme')).seats).toBe(1);
    expect(await stateOf(email)).toEqual({ tenantId: 'acme', groups: ['tenant-member'] });
  });

  it.each([
    ['a suspended tenant', 'initech', 'initech.example', 'tenant initech is suspended'],
    ['an unknown tenant', 'nope-co', 'nope.example', 'tenant nope-co does not exist'],
  ])('refuses an invitation into %s before creating anything', async (_, tenantId, domain, message) => {
    // Prepare
    const email = address(domain);

    // Act
    const result = await cli('invite', email, '--tenant', tenantId, '--pool', local.cognito.userPoolId);

    // Assess
    expect(result).toMatchObject({ code: 1, err: [`error: ${message}`] });
    await expect(getUser(email)).rejects.toBeInstanceOf(UserNotFoundException);
  });

  it('refuses an invitation beyond the seat limit before creating the user', async () => {
    // Prepare: a free-tier tenant (5 seats), full
    await registry.createTenant({ tenantId: 'tiny', name: 'Tiny', tier: 'free' });
    for (let i = 0; i < 5; i++) {
      await registry.addMember({ tenantId: 'tiny', sub: `seat-${i}`, role: 'tenant-member', source: 'invite' });
    }
    const email = address('tiny.example');

    // Act
    const result = await cli('invite', email, '--tenant', 'tiny', '--pool', local.cognito.userPoolId);

    // Assess
    expect(result).toMatchObject({ code: 1, err: ['error: tenant tiny has no free seat (limit 5)'] });
    await expect(getUser(email)).rejects.toBeInstanceOf(UserNotFoundException);
    expect((await registry.requireTenant('tiny')).seats).toBe(5);
  });

  it('releases the reserved seat when the user cannot be created', async () => {
    // Prepare: a pool API that knows no such user but refuses to create it
    const failing = new CognitoIdentityProviderClient({ region: 'us-east-1' });
    const mock = mockClient(failing);
    mock.on(AdminGetUserCommand).rejects(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }));
    mock.on(AdminCreateUserCommand).rejects(new Error('throttled'));
    const failingCli = cliFor(test, local.cognito, {
      openPool: () => ({ directory: new DirectoryAdmin(failing), client: failing, close: () => undefined }),
    });
    const email = address('acme.example');

    // Act
    const result = await failingCli('invite', email, '--tenant', 'acme', '--pool', local.cognito.userPoolId);

    // Assess
    expect(result).toMatchObject({
      code: 1,
      err: ['error: user pool unavailable during AdminCreateUser: Error: throttled'],
    });
    expect((await registry.requireTenant('acme')).seats).toBe(0);
    expect(await registry.listMembers('acme')).toEqual([]);
    expect(mock.commandCalls(AdminAddUserToGroupCommand)).toHaveLength(0);
  });

  it('lets a concurrent run of the same invitation finish it instead of releasing the shared seat', async () => {
    // Prepare: the look-up finds nobody, then creation reports that a concurrent run created the user
    const email = address('acme.example');
    const sub = '0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b';
    const racing = new CognitoIdentityProviderClient({ region: 'us-east-1' });
    const mock = mockClient(racing);
    mock
      .on(AdminGetUserCommand)
      .rejectsOnce(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }))
      .resolves({
        Username: sub,
        UserAttributes: [
          { Name: 'sub', Value: sub },
          { Name: 'custom:tenantId', Value: 'acme' },
        ],
      });
    mock
      .on(AdminCreateUserCommand)
      .rejects(new UsernameExistsException({ message: 'User account already exists', $metadata: {} }));
    mock.on(AdminAddUserToGroupCommand).resolves({});
    const racingCli = cliFor(test, local.cognito, {
      openPool: () => ({ directory: new DirectoryAdmin(racing), client: racing, close: () => undefined }),
    });

    // Act
    const result = await racingCli('invite', email, '--tenant', 'acme', '--pool', local.cognito.userPoolId);

    // Assess
    expect(result).toMatchObject({
      code: 0,
      out: [`completed the invitation of user ${sub} into acme as tenant-member`],
    });
    expect((await registry.listMembers('acme')).map((member) => member.sub)).toEqual([sub]);
    expect((await registry.requireTenant('acme')).seats).toBe(1);
  });

  it('gives a user the pool already has a membership instead of a second user, keeping their active tenant', async () => {
    // Prepare: a member of globex (active), invited into acme
    const existing = await createPoolUser(local.client, local.cognito.userPoolId, 'acme.example', {
      'custom:tenantId': 'globex',
    });
    await registry.addMember({
      tenantId: 'globex',
      sub: existing.sub,
      role: 'tenant-member',
      source: 'adopt',
      directoryUser: { userPoolId: local.cognito.userPoolId, username: existing.username },
    });

    // Act
    const result = await cli(
      'invite',
      existing.email,
      '--tenant',
      'acme',
      '--role',
      'tenant-admin',
      '--pool',
      local.cognito.userPoolId,
    );

    // Assess
    expect(result.code).toBe(0);
    expect(result.out.join('\n')).toContain('added');
    expect(await registry.getMembership('acme', existing.sub)).toMatchObject({
      role: 'tenant-admin',
      status: 'active',
    });
    expect((await registry.requireTenant('acme')).seats).toBe(1);
    expect((await stateOf(existing.email)).tenantId).toBe('globex');
    expect(await registry.getUserTenantId(existing.sub)).toBe('globex');
  });

  it('makes the invited tenant active for a pool user without any membership, and writes custom:tenantId', async () => {
    // Prepare
    const existing = await createPoolUser(local.client, local.cognito.userPoolId, 'acme.example');

    // Act
    const result = await cli('invite', existing.email, '--tenant', 'acme', '--pool', local.cognito.userPoolId);

    // Assess
    expect(result.code).toBe(0);
    expect(await registry.getUserTenantId(existing.sub)).toBe('acme');
    expect((await stateOf(existing.email)).tenantId).toBe('acme');
    expect((await registry.requireTenant('acme')).seats).toBe(1);
  });

  it.each([
    ['a malformed address', ['invite', 'not-an-address', '--tenant', 'acme', '--pool', 'us-east-1_Tenancy1']],
    [
      'a role that is no role group',
      ['invite', 'a@acme.example', '--tenant', 'acme', '--role', 'root', '--pool', 'us-east-1_Tenancy1'],
    ],
    ['a missing --pool', ['invite', 'a@acme.example', '--tenant', 'acme']],
    ['a malformed pool id', ['invite', 'a@acme.example', '--tenant', 'acme', '--pool', 'pool']],
  ])('rejects %s as bad input (exit 2)', async (_, argv) => {
    // Act
    const result = await cli(...argv);

    // Assess
    expect(result.code).toBe(2);
    expect((await registry.requireTenant('acme')).seats).toBe(0);
  });
});

describe('tenants adopt against DynamoDB Local and cognito-local', () => {
  // A fresh pool and registry per test: the report test counts users another test creates and adopts.
  const local = useCognitoLocal('test');
  let test: TestRegistry;
  let registry: TenantAdmin;
  let cli: Cli;

  beforeEach(async () => {
    test = await createTestRegistry();
    registry = test.registry;
    await importSeedTenants(test);
    cli = cliFor(test, local.cognito);
  });

  it('records memberships for users holding a known tenant, reports the rest, changes nothing in Cognito, and re-runs safely', async () => {
    // Prepare: an existing pool with an admin and a member of known tenants, and users it cannot place
    const pool = local.cognito.userPoolId;
    const admin = await createPoolUser(local.client, pool, 'acme.example', { 'custom:tenantId': 'acme' });
    await local.client.send(
      new AdminAddUserToGroupCommand({ UserPoolId: pool, Username: admin.username, GroupName: 'tenant-admin' }),
    );
    const member = await createPoolUser(local.client, pool, 'globex.example', { 'custom:tenantId': 'globex' });
    const none = await createPoolUser(local.client, pool, 'mail.example');
    const unknown = await createPoolUser(local.client, pool, 'mail.example', { 'custom:tenantId': 'nope-co' });
    const suspended = await createPoolUser(local.client, pool, 'initech.example', { 'custom:tenantId': 'initech' });
    const before = await Promise.all(
      [admin, member, none, unknown, suspended].map((u) => poolState(local.client, pool, u.username)),
    );

    // Act
    const first = await cli('adopt', '--pool', pool, '--json');
    const second = await cli('adopt', '--pool', pool, '--json');

    // Assess
    const report = JSON.parse(first.out.join('\n')) as AdoptionReport;
    const rerun = JSON.parse(second.out.join('\n')) as AdoptionReport;
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(report.scanned).toBe(5);
    expect(report.adopted).toEqual(
      expect.arrayContaining([
        { sub: admin.sub, tenantId: 'acme', role: 'tenant-admin' },
        { sub: member.sub, tenantId: 'globex', role: 'tenant-member' },
      ]),
    );
    expect(report.adopted).toHaveLength(2);
    expect(report.withoutTenant).toEqual([none.sub]);
    expect(report.unknownTenant).toEqual([
      { sub: unknown.sub, tenantId: 'nope-co', reason: 'no such tenant in the registry' },
    ]);
    expect(report.refused).toEqual([
      { sub: suspended.sub, tenantId: 'initech', reason: 'tenant initech is suspended' },
    ]);
    expect(rerun.adopted).toEqual([]);
    expect(rerun.alreadyMembers).toHaveLength(2);
    expect((await registry.requireTenant('acme')).seats).toBe(1);
    expect(await registry.listMembers('acme')).toEqual([
      expect.objectContaining({ sub: admin.sub, role: 'tenant-admin', source: 'adopt' }),
    ]);
    const after = await Promise.all(
      [admin, member, none, unknown, suspended].map((u) => poolState(local.client, pool, u.username)),
    );
    expect(after).toEqual(before);
  });

  it('prints a readable report', async () => {
    // Prepare: a user holding a tenant the registry does not know.
    await createPoolUser(local.client, local.cognito.userPoolId, 'mail.example', { 'custom:tenantId': 'nope-co' });

    // Act
    const result = await cli('adopt', '--pool', local.cognito.userPoolId);

    // Assess
    expect(result.code).toBe(0);
    const lines = result.out.join('\n').split('\n');
    expect(lines[0]).toMatch(/^pool us-east-1_Tenancy1: \d+ user\(s\) scanned$/);
    expect(lines).toContain('  adopted          0');
    expect(lines.some((line) => line.startsWith('unknown tenant: ') && line.includes('"nope-co"'))).toBe(true);
  });
});
