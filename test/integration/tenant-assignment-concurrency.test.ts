import { randomUUID } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { assignmentConfigFromEnv } from '../../shared/assignment/assignment-config';
import { newUserFromTrigger } from '../../shared/assignment/new-user';
import { assignTenant } from '../../shared/assignment/tenant-assignment';
import { DirectoryAdmin } from '../../shared/cognito/directory-admin';
import { makeBinding } from '../../shared/registry/binding';
import type { TenantAdmin } from '../../shared/registry/tenant-admin';
import { SeatLimitError } from '../../shared/runtime/errors';
import { loadEvent } from '../support/events';
import { createTestRegistry } from '../support/registry';
import type { TriggerEvent } from '../support/sign-up';

// cognito-local corrupts its JSON store under concurrent writes, so the pool side is a mocked client here;
// the registry, where the seat and uniqueness rules live, is the real DynamoDB Local.
describe('tenant assignment under concurrency (DynamoDB Local)', () => {
  let registry: TenantAdmin;
  let deps: Parameters<typeof assignTenant>[0];
  let cognito: ReturnType<typeof mockClient>;

  beforeEach(async () => {
    const test = await createTestRegistry();
    registry = test.registry;
    const client = new CognitoIdentityProviderClient({ region: 'us-east-1' });
    cognito = mockClient(client);
    cognito.on(AdminUpdateUserAttributesCommand).resolves({});
    cognito.on(AdminAddUserToGroupCommand).resolves({});
    deps = {
      registry,
      directory: new DirectoryAdmin(client),
      config: assignmentConfigFromEnv({ TENANCY_TABLE_NAME: test.tableName }),
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    };
    await registry.createTenant({ tenantId: 'crowd', name: 'Crowd', tier: 'free' });
    await registry.bind('crowd', makeBinding('domain', 'crowd.example'));
  });

  function signUp(sub: string) {
    const event = loadEvent<TriggerEvent>('post-confirmation/domain-join.json');
    event.userName = sub;
    event.request.userAttributes.sub = sub;
    event.request.userAttributes.email = `${sub.slice(0, 8)}@crowd.example`;
    return newUserFromTrigger(event);
  }

  it('never exceeds the seat limit and never duplicates a membership when many users sign up at once', async () => {
    // Prepare: 3 of 5 seats taken; 12 new users, each delivered twice at the same time (Cognito retries)
    for (let i = 0; i < 3; i++) {
      await registry.addMember({ tenantId: 'crowd', sub: `early-${i}`, role: 'tenant-member', source: 'invite' });
    }
    const subs = Array.from({ length: 12 }, () => randomUUID());
    const runs = subs.flatMap((sub) => [sub, sub]).map((sub) => assignTenant(deps, signUp(sub)).then(() => sub));

    // Act
    const results = await Promise.allSettled(runs);

    // Assess
    const winners = new Set(results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])));
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    const members = await registry.listMembers('crowd');
    expect(winners.size).toBe(2);
    expect(failures.every((error) => error instanceof SeatLimitError)).toBe(true);
    expect((await registry.requireTenant('crowd')).seats).toBe(5);
    expect(members).toHaveLength(5);
    expect(new Set(members.map((member) => member.sub)).size).toBe(5);
    const written = cognito.commandCalls(AdminUpdateUserAttributesCommand).map((call) => call.args[0].input.Username);
    expect(new Set(written)).toEqual(winners);
  });

  it('gives a user exactly one tenant when the same sign-up races itself', async () => {
    // Prepare
    const sub = randomUUID();

    // Act
    const results = await Promise.all(Array.from({ length: 6 }, () => assignTenant(deps, signUp(sub))));

    // Assess
    expect(results.every((result) => result.tenantId === 'crowd')).toBe(true);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect((await registry.requireTenant('crowd')).seats).toBe(1);
    expect(await registry.listMembers('crowd')).toHaveLength(1);
  });
});
