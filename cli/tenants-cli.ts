import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { roleConfigFromEnv } from '../shared/assignment/assignment-config';
import { parseTiers } from '../shared/registry/tiers';
import { InvalidInputError } from '../shared/runtime/errors';
import type { Env } from '../shared/runtime/settings';
import type { CliCommand, CommandContext, OptionSpec } from './command';
import { COMMANDS } from './commands/index';
import { errorLine } from './error-line';
import {
  choosePool,
  chooseRegistry,
  describePool,
  describeRegistry,
  type OpenPool,
  type OpenRegistry,
  openPool,
  openRegistry,
  operatorAudit,
  type PoolTarget,
  type RegistryTarget,
} from './target';

/** Where the CLI writes, and what it reads its settings from. */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Env;
  /** Directory of the local harness's persistent database (`--local`). */
  readonly localDataDir: string;
  /** Opens the registry; replaceable in tests. */
  readonly openRegistry?: typeof openRegistry;
  /** Opens the Cognito user pool API; replaceable in tests. */
  readonly openPool?: (target: PoolTarget) => OpenPool;
}

const BY_NAME = new Map(COMMANDS.map((command) => [command.name, command]));

/** Options every command takes. */
const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'print JSON instead of text' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
};

/** Options of the commands that use the registry: how its target is chosen. */
const TARGET_OPTIONS: Record<string, OptionSpec> = {
  local: { type: 'boolean', help: 'the local DynamoDB Local harness (data under .local/dynamodb)' },
  table: { type: 'string', value: '<name>', help: 'the registry table (default TENANCY_TABLE_NAME)' },
  region: { type: 'string', value: '<region>', help: 'its AWS region (default AWS_REGION)' },
};

/**
 * Flags that take a value (`--table t`, `-p x`) in any command: a command line may put options before the
 * command (`--table t --region r list`), and the value after such a flag is not the command's name.
 */
const VALUE_FLAGS = new Set(
  [...COMMANDS.map(optionsOf), TARGET_OPTIONS].flatMap((options) =>
    Object.entries(options).flatMap(([name, spec]) =>
      spec.type === 'string' ? [`--${name}`, ...(spec.short === undefined ? [] : [`-${spec.short}`])] : [],
    ),
  ),
);

/** Where the command's name starts: the first word that is neither a flag nor the value of one. */
function commandIndex(argv: readonly string[]): number {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (!arg.startsWith('-')) return index;
    if (VALUE_FLAGS.has(arg)) index++;
  }
  return -1;
}

function optionsOf(command: CliCommand): Record<string, OptionSpec> {
  return { ...command.options, ...(command.registry === undefined ? {} : TARGET_OPTIONS), ...COMMON_OPTIONS };
}

function usageLine(command: CliCommand): string {
  return [command.name, command.args].filter((part) => part !== '').join(' ');
}

/** The overall help: every command with its summary. */
export function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => usageLine(command).length));
  return [
    'usage: npm run tenants -- <command> [arguments] [options]',
    '       npm run tenants -- <command> --help    (the options of one command)',
    '',
    'commands:',
    ...COMMANDS.map((command) => `  ${usageLine(command).padEnd(width)}  ${command.summary}`),
    '',
    'The registry is never guessed: pass --local, or --table and --region (or set TENANCY_TABLE_NAME and',
    'AWS_REGION); AWS_ENDPOINT_URL_DYNAMODB selects a local endpoint. Writing commands print their target on stderr.',
  ].join('\n');
}

/** The help of one command: its usage, summary and every option it takes. */
function commandUsage(command: CliCommand): string {
  const options = Object.entries(optionsOf(command)).map(([name, spec]) => [
    `--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`,
    spec.help,
  ]);
  const width = Math.max(...options.map(([flag]) => flag?.length ?? 0));
  return [
    `usage: npm run tenants -- ${usageLine(command)} [options]`,
    '',
    command.summary,
    '',
    'options:',
    ...options.map(([flag, help]) => `  ${(flag ?? '').padEnd(width)}  ${help}`),
  ].join('\n');
}

function parseCommandLine(command: CliCommand, argv: readonly string[]) {
  const config: ParseArgsOptionsConfig = {};
  for (const [name, spec] of Object.entries(optionsOf(command))) {
    config[name] = spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short };
  }
  const { values, positionals } = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true });
  // No option is declared `multiple`, so every value is a string or a boolean.
  return { values: values as Record<string, string | boolean | undefined>, positionals };
}

function arity(command: CliCommand): number {
  return command.args === '' ? 0 : command.args.split(' ').length;
}

/**
 * Runs one CLI command and returns the exit code: 0 done, 1 refused (the registry said no: unknown tenant,
 * binding held by another tenant…) or failed, 2 bad usage or input, or no target chosen. Every input check runs
 * before any I/O; a writing command prints its target on stderr before it writes; errors are one line.
 */
export async function runTenantsCli(argv: readonly string[], io: CliIo): Promise<number> {
  const nameAt = commandIndex(argv);
  // Command groups (`policy-store create`, `policies sync`) are named by their first two words.
  const pair = nameAt === -1 ? undefined : `${argv[nameAt]} ${argv[nameAt + 1] ?? ''}`;
  const words = pair !== undefined && BY_NAME.has(pair) ? 2 : 1;
  const name = nameAt === -1 ? undefined : words === 2 ? pair : argv[nameAt];
  if (name === undefined || name === 'help') {
    const asked = name === 'help' || argv.includes('--help') || argv.includes('-h');
    (asked ? io.out : io.err)(usage());
    return asked ? 0 : 2;
  }
  const command = BY_NAME.get(name);
  if (command === undefined) {
    io.err(`error: unknown command "${name}" (run with --help for the list)`);
    return 2;
  }
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(command, [...argv.slice(0, nameAt), ...argv.slice(nameAt + words)]);
  } catch (error) {
    // Node's own wording varies between versions; keep the CLI's line stable.
    const option = /'([^']+)'/.exec((error as Error).message)?.[1] ?? '';
    const problem =
      (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 'unknown option' : 'bad option';
    io.err(`error: ${problem} ${option} (run "npm run tenants -- ${name} --help" for its options)`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.out(commandUsage(command));
    return 0;
  }
  if (positionals.length !== arity(command)) {
    io.err(`error: usage: ${usageLine(command)}`);
    return 2;
  }
  let registry: OpenRegistry | undefined;
  // Known once chosen, so that a failure can name what it was about to use.
  let registryTarget: RegistryTarget | undefined;
  let poolTarget: PoolTarget | undefined;
  let pool: OpenPool | undefined;
  try {
    // Every check that needs no I/O, the target included, before anything is opened.
    const tiers = parseTiers(io.env.TENANCY_TIERS);
    const prepared = command.prepare({ positionals, values, env: io.env, tiers });
    if (command.registry !== undefined) {
      registryTarget = chooseRegistry(
        { local: values.local === true, table: str(values.table), region: str(values.region) },
        io.env,
        io.localDataDir,
      );
    }
    poolTarget = prepared.userPoolId === undefined ? undefined : choosePool(prepared.userPoolId, io.env);
    if (command.registry === 'write' && registryTarget !== undefined) {
      io.err(`target: ${describeRegistry(registryTarget)}`);
    }
    if (command.writesPool === true && poolTarget !== undefined) io.err(`target: ${describePool(poolTarget)}`);

    if (registryTarget !== undefined) {
      const { adminRole } = roleConfigFromEnv(io.env);
      registry = await (io.openRegistry ?? openRegistry)(registryTarget, tiers, operatorAudit(io.env), adminRole);
    }
    if (poolTarget !== undefined) pool = (io.openPool ?? openPool)(poolTarget);
    const json = values.json === true;
    // An AWS registry's region, else a `--region` given with another target (`--local --region us-east-1`).
    const region = registryTarget?.kind === 'aws' ? registryTarget.region : str(values.region);
    const context: CommandContext = {
      get registry() {
        if (registry === undefined) throw new Error(`${name} did not declare that it uses the registry`);
        return registry.registry;
      },
      get policyStores() {
        if (registry === undefined) throw new Error(`${name} did not declare that it uses the registry`);
        return registry.policyStores;
      },
      get directory() {
        if (pool === undefined) throw new Error(`${name} did not name a user pool`);
        return pool.directory;
      },
      get cognito() {
        if (pool === undefined) throw new Error(`${name} did not name a user pool`);
        return pool.client;
      },
      env: io.env,
      ...(region === undefined ? {} : { registryRegion: region }),
      json,
      out: io.out,
      err: io.err,
      print: (value, text) => io.out(json ? JSON.stringify(value, null, 2) : text()),
    };
    return await prepared.run(context);
  } catch (error) {
    io.err(
      `error: ${errorLine(error, [registryTarget && describeRegistry(registryTarget), poolTarget && describePool(poolTarget)])}`,
    );
    if (error instanceof InvalidInputError) return 2;
    return 1;
  } finally {
    pool?.close();
    await registry?.close();
  }
}

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
