import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { importSeed, parseSeed } from '../../shared/operations/tenant-seed';
import { coldStart } from './cold-start';
import { loadEvent } from './events';
import type { TestRegistry } from './registry';

const SEED = join(import.meta.dirname, '..', '..', 'events', 'tenants.json');

/**
 * Imports events/tenants.json (acme, globex, hooli, suspended initech, disabled vandelay) into a test registry, without the seed's
 * sample members (the users of the pre-token events), so every tenant starts with no seat taken.
 */
export async function importSeedTenants(test: TestRegistry): Promise<void> {
  const seed = parseSeed(readFileSync(SEED, 'utf8'), test.registry.tiers);
  await importSeed(
    test.registry,
    seed.map((tenant) => ({ ...tenant, members: [] })),
  );
}

/** A user that exists in cognito-local. */
export interface PoolUser {
  readonly username: string;
  readonly sub: string;
  readonly email: string;
}

/** Creates a user in the pool with a unique address at `domain` (no message sent), as SignUp would leave it. */
export async function createPoolUser(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  domain: string,
  attributes: Record<string, string> = {},
): Promise<PoolUser> {
  const email = `u${randomUUID().slice(0, 8)}@${domain}`;
  const created = await client.send(
    new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: email,
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: email },
        ...Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
      ],
    }),
  );
  const username = created.User?.Username ?? '';
  const sub = created.User?.Attributes?.find((attribute) => attribute.Name === 'sub')?.Value ?? '';
  return { username, sub, email };
}

/** A trigger event shape that the fixtures share. */
export interface TriggerEvent {
  userPoolId: string;
  userName: string;
  callerContext: { clientId: string | null };
  triggerSource: string;
  request: { userAttributes: Record<string, string> };
  response: Record<string, unknown>;
}

/** A fixture from `events/`, addressed to `user` (its user name, sub and e-mail). */
export function eventFor(path: string, user: PoolUser, userPoolId?: string): TriggerEvent {
  const event = loadEvent<TriggerEvent>(path);
  event.userName = user.username;
  if (userPoolId !== undefined) event.userPoolId = userPoolId;
  const attributes = event.request.userAttributes;
  if ('sub' in attributes) attributes.sub = user.sub;
  if ('email' in attributes && !('identities' in attributes)) attributes.email = user.email;
  return event;
}

/** `custom:tenantId` and the groups of a pool user, as AdminGetUser / AdminListGroupsForUser report them. */
export async function poolState(client: CognitoIdentityProviderClient, userPoolId: string, username: string) {
  const user = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }));
  const groups = await client.send(new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: username }));
  return {
    tenantId: user.UserAttributes?.find((attribute) => attribute.Name === 'custom:tenantId')?.Value,
    groups: (groups.Groups ?? []).map((group) => group.GroupName).sort(),
  };
}

/**
 * Imports a trigger module afresh with `env` stubbed on top of the test environment: handlers read their
 * configuration once at import (cold start), so every configuration needs its own module instance. The
 * logger returned is the instance that module uses. Earlier stubs are removed first.
 */
export async function loadTrigger<M>(load: () => Promise<M>, env: Record<string, string>) {
  const module = await coldStart(load, env);
  const { logger } = await import('../../shared/runtime/logger');
  return { module, logger };
}
