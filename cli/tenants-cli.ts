import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { roleConfigFromEnv } from '../shared/assignment/assignment-config';
import type { DirectoryAdmin } from '../shared/cognito/directory-admin';
import { inviteUser } from '../shared/operations/invitation';
import { adoptPool } from '../shared/operations/pool-adoption';
import { auditPool } from '../shared/operations/pool-audit';
import { readPoolSnapshot } from '../shared/operations/pool-snapshot';
import { importSeed, parseSeed } from '../shared/operations/tenant-seed';
import {
  assertUserPoolId,
  type Binding,
  type BindingKind,
  describeBinding,
  makeBinding,
} from '../shared/registry/binding';
import type { Membership, Tenant, TenantStatus } from '../shared/registry/tenant';
import type { TenantAdmin } from '../shared/registry/tenant-admin';
import { assertTenantId } from '../shared/registry/tenant-id';
import { parseTiers, type Tiers } from '../shared/registry/tiers';
import { InvalidInputError, TenancyError } from '../shared/runtime/errors';
import type { Env } from '../shared/runtime/settings';
import { formatAdoption, formatInvitation } from './directory-report';
import { type DirectoryTarget, openDirectory } from './directory-target';
import { openRegistry, type RegistryTarget, type TargetOptions } from './registry-target';

/** Where the CLI writes, and what it reads its settings from. */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Env;
  /** Directory of the local harness's persistent database. */
  readonly localDataDir: string;
  /** Opens the registry; replaceable in tests. */
  readonly open?: (options: TargetOptions) => Promise<RegistryTarget>;
  /** Opens the Cognito user pool API (`invite`, `adopt`); replaceable in tests. */
  readonly openDirectory?: (env: Env) => DirectoryTarget;
}

interface Context {
  readonly registry: TenantAdmin;
  /** The user pool API, opened on first use (only `invite` and `adopt` need it). */
  readonly directory: () => DirectoryAdmin;
  readonly env: Env;
  readonly args: readonly string[];
  readonly options: {
    readonly name?: string;
    readonly tier?: string;
    readonly id?: string;
    readonly tenant?: string;
    readonly role?: string;
    readonly pool?: string;
  };
  readonly print: (value: unknown, text: () => string) => void;
}

interface Command {
  readonly usage: string;
  readonly summary: string;
  readonly arity: number;
  /** Validates the arguments before any I/O, so bad input never reaches the registry. */
  readonly check?: (args: readonly string[], tiers: Tiers) => void;
  readonly run: (context: Context) => Promise<void>;
}

/** A command that audits a user pool and never touches the registry. */
interface PoolCommand {
  readonly usage: string;
  readonly summary: string;
  readonly run: (context: {
    readonly client: CognitoIdentityProviderClient;
    readonly options: {
      readonly pool?: string;
      readonly stage?: string;
      readonly service?: string;
      readonly 'idp-groups-attribute'?: string;
    };
    readonly out: (line: string) => void;
    readonly json: boolean;
  }) => Promise<number>;
}

const SEVERITY_LABEL = { ok: 'ok    ', warning: 'warn  ', unsafe: 'UNSAFE' } as const;

const POOL_COMMANDS: Record<string, PoolCommand> = {
  doctor: {
    usage: 'doctor --pool <userPoolId> [--stage <stage>] [--idp-groups-attribute <custom:name>]',
    summary: "audit a pool: tenant attribute, clients' write lists, IdP mappings, triggers (exit 1 if unsafe)",
    run: async ({ client, options, out, json }) => {
      if (options.pool === undefined) throw new InvalidInputError('doctor needs --pool', 'pool');
      const userPoolId = assertUserPoolId(options.pool);
      const expected = {
        service: options.service ?? 'cognito-tenancy',
        stage: options.stage ?? 'dev',
        idpGroupsAttribute: options['idp-groups-attribute'],
      };
      const findings = auditPool(await readPoolSnapshot(client, userPoolId), expected);
      if (json) out(JSON.stringify(findings, null, 2));
      else for (const f of findings) out(`${SEVERITY_LABEL[f.severity]}  ${f.subject}: ${f.message}`);
      return findings.some((finding) => finding.severity === 'unsafe') ? 1 : 0;
    },
  },
};

const checkTenantId = (args: readonly string[]) => void assertTenantId(args[0]);

const STATUS_COMMANDS: Record<string, TenantStatus> = { suspend: 'suspended', resume: 'active', disable: 'disabled' };

function bindingFrom(kind: BindingKind, args: readonly string[]): Binding {
  return makeBinding(kind, args[1] ?? '', args[2]);
}

function bindCommands(): Record<string, Command> {
  const forms: Record<BindingKind, string> = {
    pool: '<userPoolId>',
    idp: '<userPoolId> <providerName>',
    client: '<appClientId>',
    domain: '<emailDomain>',
  };
  const commands: Record<string, Command> = {};
  for (const [kind, form] of Object.entries(forms) as [BindingKind, string][]) {
    const arity = 1 + form.split(' ').length;
    const check = (args: readonly string[]) => {
      assertTenantId(args[0]);
      bindingFrom(kind, args);
    };
    commands[`bind-${kind}`] = {
      usage: `bind-${kind} <tenantId> ${form}`,
      summary: `bind ${{ pool: 'a user pool', idp: 'an IdP of a pool', client: 'an app client', domain: 'an e-mail domain' }[kind]} to the tenant`,
      arity,
      check,
      run: async ({ registry, args, print }) => {
        const binding = bindingFrom(kind, args);
        await registry.bind(args[0] ?? '', binding);
        print({ tenantId: args[0], binding }, () => `bound ${describeBinding(binding)} to ${args[0]}`);
      },
    };
    commands[`unbind-${kind}`] = {
      usage: `unbind-${kind} <tenantId> ${form}`,
      summary: `remove that binding from the tenant`,
      arity,
      check,
      run: async ({ registry, args, print }) => {
        const binding = bindingFrom(kind, args);
        await registry.unbind(args[0] ?? '', binding);
        print({ tenantId: args[0], binding }, () => `unbound ${describeBinding(binding)} from ${args[0]}`);
      },
    };
  }
  return commands;
}

const COMMANDS: Record<string, Command> = {
  create: {
    usage: 'create --name <name> --tier <tier> [--id <tenantId>]',
    summary: 'create an active tenant (a non-guessable id is generated unless --id is given)',
    arity: 0,
    run: async ({ registry, options, print }) => {
      if (options.name === undefined) throw new InvalidInputError('create needs --name', 'name');
      if (options.tier === undefined) throw new InvalidInputError('create needs --tier', 'tier');
      registry.tiers.get(options.tier);
      if (options.id !== undefined) assertTenantId(options.id);
      const tenant = await registry.createTenant({ tenantId: options.id, name: options.name, tier: options.tier });
      print(tenant, () => `created ${tenant.tenantId} (${tenant.name}, ${tenant.tier})`);
    },
  },
  show: {
    usage: 'show <tenantId>',
    summary: 'show a tenant, its bindings and its seat use',
    arity: 1,
    check: checkTenantId,
    run: async ({ registry, args, print }) => {
      const tenant = await registry.requireTenant(args[0] ?? '');
      const bindings = await registry.listBindings(tenant.tenantId);
      const seatLimit = registry.tiers.has(tenant.tier) ? registry.tiers.get(tenant.tier).seatLimit : undefined;
      print({ ...tenant, seatLimit, bindings }, () =>
        [
          `tenant    ${tenant.tenantId}`,
          `name      ${tenant.name}`,
          `tier      ${tenant.tier}`,
          `status    ${tenant.status}`,
          `seats     ${tenant.seats} of ${seatLimit ?? '?'}`,
          `roles     ${formatMappings(tenant.roleMappings)}`,
          `bindings  ${bindings.length === 0 ? '(none)' : bindings.map(describeBinding).join(', ')}`,
          `created   ${tenant.createdAt}`,
          `updated   ${tenant.updatedAt}`,
        ].join('\n'),
      );
    },
  },
  list: {
    usage: 'list',
    summary: 'list all tenants',
    arity: 0,
    run: async ({ registry, print }) => {
      const tenants = await registry.listTenants();
      print(tenants, () => formatTenants(tenants));
    },
  },
  'set-tier': {
    usage: 'set-tier <tenantId> <tier>',
    summary: "change a tenant's tier",
    arity: 2,
    check: (args, tiers) => {
      assertTenantId(args[0]);
      tiers.get(args[1] ?? '');
    },
    run: async ({ registry, args, print }) => {
      const tenant = await registry.setTier(args[0] ?? '', args[1] ?? '');
      print(tenant, () => `${tenant.tenantId} is now on tier ${tenant.tier}`);
    },
  },
  ...Object.fromEntries(
    Object.entries(STATUS_COMMANDS).map(([name, status]) => [
      name,
      {
        usage: `${name} <tenantId>`,
        summary: `set the tenant's status to ${status}`,
        arity: 1,
        check: checkTenantId,
        run: async ({ registry, args, print }: Context) => {
          const tenant = await registry.setStatus(args[0] ?? '', status);
          print(tenant, () => `${tenant.tenantId} is now ${tenant.status}`);
        },
      } satisfies Command,
    ]),
  ),
  ...bindCommands(),
  members: {
    usage: 'members <tenantId>',
    summary: "list a tenant's members",
    arity: 1,
    check: checkTenantId,
    run: async ({ registry, args, print }) => {
      const tenant = await registry.requireTenant(args[0] ?? '');
      const members = await registry.listMembers(tenant.tenantId);
      print(members, () => formatMembers(members));
    },
  },
  import: {
    usage: 'import <seed.json>',
    summary: 'create or update tenants, bindings and members from a seed file (e.g. events/tenants.json)',
    arity: 1,
    run: async ({ registry, args, print }) => {
      const path = args[0] ?? '';
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        throw new InvalidInputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`, 'file');
      }
      const seed = parseSeed(text, (tier) => registry.tiers.has(tier));
      const result = await importSeed(registry, seed);
      print(
        result,
        () =>
          `imported ${seed.length} tenant(s): ${result.created.length} created, ${result.updated.length} updated, ${result.bindings} binding(s), ${result.members} new member(s)`,
      );
    },
  },
  invite: {
    usage: 'invite <email> --tenant <tenantId> --pool <userPoolId> [--role <role>]',
    summary: 'reserve a seat, create the user in the pool with custom:tenantId and add the role group',
    arity: 1,
    run: async ({ registry, directory, env, args, options, print }) => {
      if (options.tenant === undefined) throw new InvalidInputError('invite needs --tenant', 'tenant');
      if (options.pool === undefined) throw new InvalidInputError('invite needs --pool', 'pool');
      const request = { email: args[0] ?? '', tenantId: options.tenant, userPoolId: options.pool, role: options.role };
      const result = await inviteUser({ registry, directory: directory(), roles: roleConfigFromEnv(env) }, request);
      print(result, () => formatInvitation(result));
    },
  },
  adopt: {
    usage: 'adopt --pool <userPoolId>',
    summary: 'record memberships for pool users that already carry custom:tenantId of a known tenant',
    arity: 0,
    run: async ({ registry, directory, env, options, print }) => {
      if (options.pool === undefined) throw new InvalidInputError('adopt needs --pool', 'pool');
      const report = await adoptPool({ registry, directory: directory(), roles: roleConfigFromEnv(env) }, options.pool);
      print(report, () => formatAdoption(report));
    },
  },
};

function formatMappings(mappings: Readonly<Record<string, string>>): string {
  const entries = Object.entries(mappings);
  return entries.length === 0 ? '(none)' : entries.map(([group, role]) => `${group} → ${role}`).join(', ');
}

function formatTenants(tenants: readonly Tenant[]): string {
  if (tenants.length === 0) return '(no tenants)';
  const rows = tenants.map((t) => [t.tenantId, t.tier, t.status, String(t.seats), t.name]);
  return table(['TENANT', 'TIER', 'STATUS', 'SEATS', 'NAME'], rows);
}

function formatMembers(members: readonly Membership[]): string {
  if (members.length === 0) return '(no members)';
  return table(
    ['SUB', 'ROLE', 'SOURCE', 'JOINED'],
    members.map((m) => [m.sub, m.role, m.source, m.joinedAt]),
  );
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The help text. */
export function usage(): string {
  const width = Math.max(
    ...[...Object.values(COMMANDS), ...Object.values(POOL_COMMANDS)].map((command) => command.usage.length),
  );
  return [
    'usage: npm run tenants -- <command> [arguments] [--local] [--table <name>] [--json]',
    '',
    'commands:',
    ...[...Object.values(COMMANDS), ...Object.values(POOL_COMMANDS)].map(
      (command) => `  ${command.usage.padEnd(width)}  ${command.summary}`,
    ),
    '',
    'options:',
    '  --local         use the local DynamoDB Local harness (default when no AWS region or credentials are set)',
    '  --table <name>  the registry table (default: TENANCY_TABLE_NAME)',
    '  --json          print JSON instead of text',
    '  --pool <id>     the Cognito user pool (invite, adopt, doctor); its endpoint comes from the AWS configuration,',
    '                  or AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER for a local pool (cognito-local)',
  ].join('\n');
}

/**
 * Runs one CLI command and returns the exit code: 0 done, 1 refused (the registry said no: unknown tenant,
 * binding held by another tenant…), 2 bad usage or input. Every refusal is one line on stderr and writes nothing.
 */
export async function runTenantsCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    // Node's own wording varies between versions; keep the CLI's line stable.
    const option = /'([^']+)'/.exec((error as Error).message)?.[1] ?? '';
    const problem =
      (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 'unknown option' : 'bad option';
    io.err(`error: ${problem} ${option} (run with --help for the list)`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [name, ...args] = positionals;
  if (values.help || name === undefined || name === 'help') {
    (name === undefined && !values.help ? io.err : io.out)(usage());
    return name === undefined && !values.help ? 2 : 0;
  }
  const poolCommand = POOL_COMMANDS[name];
  if (poolCommand !== undefined) return runPoolCommand(poolCommand, args, values, io);
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`error: unknown command "${name}" (run with --help for the list)`);
    return 2;
  }
  if (args.length !== command.arity) {
    io.err(`error: usage: ${command.usage}`);
    return 2;
  }
  let target: RegistryTarget | undefined;
  let directoryTarget: DirectoryTarget | undefined;
  const directory = () => {
    directoryTarget ??= (io.openDirectory ?? openDirectory)(io.env);
    return directoryTarget.directory;
  };
  try {
    command.check?.(args, parseTiers(io.env.TENANCY_TIERS));
    target = await (io.open ?? openRegistry)({
      local: values.local ?? false,
      table: values.table,
      env: io.env,
      localDataDir: io.localDataDir,
    });
    const print = (value: unknown, text: () => string) => io.out(values.json ? JSON.stringify(value, null, 2) : text());
    await command.run({ registry: target.registry, directory, env: io.env, args, options: values, print });
    return 0;
  } catch (error) {
    if (error instanceof InvalidInputError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    if (error instanceof TenancyError) {
      io.err(`error: ${error.message}`);
      return 1;
    }
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    directoryTarget?.close();
    await target?.close();
  }
}

async function runPoolCommand(
  command: PoolCommand,
  args: readonly string[],
  values: ReturnType<typeof parse>['values'],
  io: CliIo,
): Promise<number> {
  if (args.length !== 0) {
    io.err(`error: usage: ${command.usage}`);
    return 2;
  }
  let target: DirectoryTarget | undefined;
  try {
    if (values.pool !== undefined) assertUserPoolId(values.pool);
    target = (io.openDirectory ?? openDirectory)(io.env);
    return await command.run({ client: target.client, options: values, out: io.out, json: values.json ?? false });
  } catch (error) {
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof InvalidInputError ? 2 : 1;
  } finally {
    target?.close();
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      local: { type: 'boolean' },
      table: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      name: { type: 'string' },
      tier: { type: 'string' },
      id: { type: 'string' },
      tenant: { type: 'string' },
      role: { type: 'string' },
      pool: { type: 'string' },
      stage: { type: 'string' },
      service: { type: 'string' },
      'idp-groups-attribute': { type: 'string' },
    },
  });
}
