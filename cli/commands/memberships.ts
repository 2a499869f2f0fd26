import { roleConfigFromEnv } from '../../shared/assignment/assignment-config';
import type { DirectoryAdmin, DirectoryUser } from '../../shared/cognito/directory-admin';
import { type DirectoryOutcome, MembershipOperations } from '../../shared/memberships/membership-operations';
import { migrateRegistry } from '../../shared/operations/registry-migration';
import { assertUserPoolId } from '../../shared/registry/binding';
import { emailDomainOf } from '../../shared/registry/email-domain';
import { validateSub } from '../../shared/registry/registry-rules';
import type { UserMemberships } from '../../shared/registry/tenant';
import { assertTenantId } from '../../shared/registry/tenant-id';
import { InvalidInputError, UserNotFoundError } from '../../shared/runtime/errors';
import type { Env } from '../../shared/runtime/settings';
import { type CliCommand, optionalString, positional, requiredOption } from '../command';
import { table } from '../format';

const POOL_OPTION = {
  type: 'string',
  value: '<userPoolId>',
  help: 'the Cognito user pool the user lives in, e.g. us-east-1_AbC123',
} as const;

const OPERATOR = { kind: 'operator' } as const;

/** A configured role group, or the member role when none is given; `InvalidInputError` otherwise. */
function roleOf(env: Env, role: string | undefined): string {
  const roles = roleConfigFromEnv(env);
  const chosen = role ?? roles.memberRole;
  if (!roles.roleGroups.includes(chosen)) {
    throw new InvalidInputError(`unknown role "${chosen}" (role groups: ${roles.roleGroups.join(', ')})`, 'role');
  }
  return chosen;
}

/** A user named by e-mail address or by sub, checked without I/O. */
function userArgument(value: string): { email: string } | { sub: string } {
  if (value.includes('@')) {
    if (emailDomainOf(value) === undefined || /\s/.test(value) || value.length > 254) {
      throw new InvalidInputError(`invalid e-mail address ${JSON.stringify(value)}`, 'user');
    }
    return { email: value };
  }
  return { sub: validateSub(value) };
}

/**
 * The pool user named by e-mail address (`AdminGetUser` by alias) or by sub (`AdminGetUser`, then a
 * `ListUsers` filter for pools whose user names are not subs); `UserNotFoundError` when there is none.
 */
async function findUser(directory: DirectoryAdmin, userPoolId: string, user: { email: string } | { sub: string }) {
  let found: DirectoryUser | undefined;
  if ('email' in user) {
    found = await directory.getUser(userPoolId, user.email);
  } else {
    const byName = await directory.getUser(userPoolId, user.sub);
    found = byName?.sub === user.sub ? byName : await directory.findBySub(userPoolId, user.sub);
  }
  if (found === undefined) throw new UserNotFoundError(userPoolId, 'email' in user ? user.email : user.sub);
  return found;
}

const DIRECTORY_TEXT: Record<DirectoryOutcome, string> = {
  written: 'custom:tenantId written',
  unchanged: 'custom:tenantId unchanged',
  'unknown-user': 'custom:tenantId NOT written: the registry does not know the user name (run "migrate --pool")',
};

/** `add-member`: an existing pool user joins one more tenant. */
const addMember: CliCommand = {
  name: 'add-member',
  args: '<tenantId> <sub|email>',
  summary: 'add an existing user of the pool to a tenant (one seat); their active tenant only if they had none',
  registry: 'write',
  writesPool: true,
  options: {
    role: { type: 'string', value: '<role>', help: 'a role group (default TENANCY_MEMBER_ROLE)' },
    pool: POOL_OPTION,
  },
  prepare: (input) => {
    const tenantId = assertTenantId(positional(input, 0));
    const user = userArgument(positional(input, 1));
    const role = roleOf(input.env, optionalString(input, 'role'));
    const userPoolId = assertUserPoolId(requiredOption(input, 'add-member', 'pool'));
    const { roleGroups } = roleConfigFromEnv(input.env);
    return {
      userPoolId,
      run: async ({ registry, directory, print }) => {
        const found = await findUser(directory, userPoolId, user);
        const operations = new MembershipOperations({ registry, directory, roleGroups });
        const result = await operations.addMember(
          OPERATOR,
          tenantId,
          { sub: found.sub, directoryUser: { userPoolId, username: found.username } },
          role,
        );
        print(result, () =>
          result.created
            ? `added ${found.sub} to ${tenantId} as ${result.membership.role} (${DIRECTORY_TEXT[result.directory]})`
            : `${found.sub} already is a member of ${tenantId} as ${result.membership.role}: nothing changed`,
        );
        return 0;
      },
    };
  },
};

/** `set-role`: another role for a member. */
const setRole: CliCommand = {
  name: 'set-role',
  args: '<tenantId> <sub> <role>',
  summary: "change a member's role in one tenant (a tenant keeps at least one tenant admin)",
  registry: 'write',
  prepare: (input) => {
    const tenantId = assertTenantId(positional(input, 0));
    const sub = validateSub(positional(input, 1));
    const role = roleOf(input.env, positional(input, 2));
    const { roleGroups } = roleConfigFromEnv(input.env);
    return {
      run: async ({ registry, print }) => {
        const membership = await new MembershipOperations({ registry, roleGroups }).setRole(
          OPERATOR,
          tenantId,
          sub,
          role,
        );
        print(
          membership,
          () => `${sub} is now ${membership.role} in ${tenantId} (effective at the API within the cache TTL)`,
        );
        return 0;
      },
    };
  },
};

/** `remove-member`: ends a membership; the active tenant moves or is cleared. */
const removeMember: CliCommand = {
  name: 'remove-member',
  args: '<tenantId> <sub>',
  summary: 'remove a member (seat released); an active tenant moves to their oldest other membership, or clears',
  registry: 'write',
  writesPool: true,
  options: { pool: POOL_OPTION },
  prepare: (input) => {
    const tenantId = assertTenantId(positional(input, 0));
    const sub = validateSub(positional(input, 1));
    const userPoolId = assertUserPoolId(requiredOption(input, 'remove-member', 'pool'));
    const { roleGroups } = roleConfigFromEnv(input.env);
    return {
      userPoolId,
      run: async ({ registry, directory, print }) => {
        const recorded = (await registry.listMemberships(sub, { consistent: true })).directoryUser;
        if (recorded !== undefined && recorded.userPoolId !== userPoolId) {
          throw new InvalidInputError(
            `user ${sub} lives in user pool ${recorded.userPoolId}, not ${userPoolId}`,
            'pool',
          );
        }
        // A user recorded before the registry kept user names is looked up in the pool.
        const found = recorded === undefined ? await directory.findBySub(userPoolId, sub) : undefined;
        const fallbackUser = found === undefined ? undefined : { userPoolId, username: found.username };
        const operations = new MembershipOperations({ registry, directory, roleGroups });
        const result = await operations.removeMember(OPERATOR, tenantId, sub, { fallbackUser });
        print(result, () => {
          const what = result.removed ? `removed ${sub} from ${tenantId}` : `${sub} is no member of ${tenantId}`;
          const active = result.activeChanged
            ? `; active tenant now ${result.activeTenantId ?? '(none: tokens are refused)'}`
            : '';
          return `${what}${active} (${DIRECTORY_TEXT[result.directory]})`;
        });
        return result.removed ? 0 : 1;
      },
    };
  },
};

/** `memberships`: a user's memberships and active tenant. */
const memberships: CliCommand = {
  name: 'memberships',
  args: '<sub>',
  summary: "list a user's memberships (every tenant, role, status) and the active tenant",
  registry: 'read',
  prepare: (input) => {
    const sub = validateSub(positional(input, 0));
    return {
      run: async ({ registry, print }) => {
        const user = await registry.listMemberships(sub);
        print(user, () => formatMemberships(user));
        return 0;
      },
    };
  },
};

/** `migrate`: upgrades a registry written by an earlier version (idempotent). */
const migrate: CliCommand = {
  name: 'migrate',
  args: '',
  summary: 'upgrade registry items of earlier versions to memberships (idempotent; --pool also records user names)',
  registry: 'write',
  writesPool: true,
  options: {
    pool: { ...POOL_OPTION, help: 'the user pool: record user names, and allow --remove-role-groups' },
    'remove-role-groups': {
      type: 'boolean',
      help: 'remove every user from the role groups (TENANCY_ROLE_GROUPS): roles live in memberships now',
    },
  },
  prepare: (input) => {
    const pool = optionalString(input, 'pool');
    const userPoolId = pool === undefined ? undefined : assertUserPoolId(pool);
    const removeRoleGroups = input.values['remove-role-groups'] === true;
    if (removeRoleGroups && userPoolId === undefined) {
      throw new InvalidInputError('--remove-role-groups needs --pool', 'pool');
    }
    const roles = roleConfigFromEnv(input.env);
    return {
      ...(userPoolId === undefined ? {} : { userPoolId }),
      run: async (context) => {
        const directory = userPoolId === undefined ? undefined : context.directory;
        const report = await migrateRegistry(
          { registry: context.registry, roles, ...(directory === undefined ? {} : { directory }) },
          { userPoolId, removeRoleGroups },
        );
        context.print(report, () =>
          [
            `memberships scanned   ${report.scanned}`,
            `memberships upgraded  ${report.memberships}`,
            `admin counts written  ${report.adminCounts}`,
            `user names recorded   ${report.usersLocated}`,
            `users without a name  ${report.usersUnlocated.length}${userPoolId === undefined && report.usersUnlocated.length > 0 ? ' (run again with --pool)' : ''}`,
            `role group removals   ${report.groupRemovals}`,
          ].join('\n'),
        );
        return 0;
      },
    };
  },
};

/** A user's memberships as a table, the active one marked. */
function formatMemberships(user: UserMemberships): string {
  if (user.memberships.length === 0) return `${user.sub}: no memberships (no active tenant)`;
  const rows = user.memberships.map((m) => [
    m.tenantId === user.activeTenantId ? '*' : '',
    m.tenantId,
    m.role,
    m.status,
    m.source,
    m.joinedAt,
  ]);
  return table(['ACTIVE', 'TENANT', 'ROLE', 'STATUS', 'SOURCE', 'SINCE'], rows);
}

/** The membership commands, in the order `--help` lists them. */
export const membershipCommands: readonly CliCommand[] = [addMember, setRole, removeMember, memberships, migrate];
