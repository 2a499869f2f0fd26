import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { PolicyStoreAdmin } from '../shared/cedar/stores/policy-store-admin';
import type { DirectoryAdmin } from '../shared/cognito/directory-admin';
import type { TenantAdmin } from '../shared/registry/tenant-admin';
import type { Tiers } from '../shared/registry/tiers';
import { InvalidInputError } from '../shared/runtime/errors';
import type { Env } from '../shared/runtime/settings';

/** One option of a command, as `node:util` `parseArgs` takes it, with its help line. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** e.g. `--tier <tier>  the tier of the new tenant`: the placeholder and the text. */
  readonly value?: string;
  readonly help: string;
}

/** The parsed command line of one command, already split into its positionals and its own options. */
export interface CommandInput {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly env: Env;
  /** The tiers of `TENANCY_TIERS` (or the defaults), for checks before any I/O. */
  readonly tiers: Tiers;
}

/** What a command may use once its input has passed: only the targets it declared are opened. */
export interface CommandContext {
  /** The registry (commands with `registry` set). */
  readonly registry: TenantAdmin;
  /** The tenants' policy store records in the registry (commands with `registry` set). */
  readonly policyStores: PolicyStoreAdmin;
  /** The user pool API (commands whose `prepare` returned a `userPoolId`). */
  readonly directory: DirectoryAdmin;
  /** The raw Cognito client, for read-only audits. */
  readonly cognito: CognitoIdentityProviderClient;
  readonly env: Env;
  /**
   * The region of an AWS registry target (`--region`, else `AWS_REGION`/`AWS_DEFAULT_REGION`); with a local or
   * endpoint target, `--region` when given (the AVP engine of `--local` runs in AWS).
   */
  readonly registryRegion?: string;
  readonly json: boolean;
  /** Prints `value` as JSON with `--json`, else the text. */
  readonly print: (value: unknown, text: () => string) => void;
  readonly out: (line: string) => void;
  /** Writes one line to stderr. */
  readonly err: (line: string) => void;
}

/** A command whose input passed every check: what it will touch, and how to run it. */
export interface PreparedCommand {
  /** The user pool the command calls, when it calls one. */
  readonly userPoolId?: string;
  /** Runs the command; returns the exit code. */
  readonly run: (context: CommandContext) => Promise<number>;
}

/**
 * One `tenants` command. To add one: a file in `cli/commands/` exporting a `CliCommand` (or several), and one
 * line in `cli/commands/index.ts`. The dispatcher parses its options with `parseArgs` (its own plus the common
 * ones), checks the number of positionals, calls `prepare` (every input check, no I/O), prints the target of a
 * writing command to stderr, opens only the targets it uses, and maps errors to exit codes.
 */
export interface CliCommand {
  readonly name: string;
  /** The positionals, e.g. `<tenantId> <tier>`: their number is enforced. */
  readonly args: string;
  readonly summary: string;
  readonly options?: Readonly<Record<string, OptionSpec>>;
  /** Whether the command uses the registry, and whether it writes to it (its target is then printed first). */
  readonly registry?: 'read' | 'write';
  /** Whether the command writes to the user pool (its target is then printed first). */
  readonly writesPool?: boolean;
  /** Validates all input before any I/O (`InvalidInputError`, `UnknownTierError`) and returns what to run. */
  prepare(input: CommandInput): PreparedCommand;
}

/** The value of a string option, or `InvalidInputError` naming the option when it is missing. */
export function requiredOption(input: CommandInput, command: string, option: string): string {
  const value = input.values[option];
  if (typeof value !== 'string') throw new InvalidInputError(`${command} needs --${option}`, option);
  return value;
}

/** The value of an optional string option. */
export function optionalString(input: CommandInput, option: string): string | undefined {
  const value = input.values[option];
  return typeof value === 'string' ? value : undefined;
}

/** The `index`th positional (its number is checked by the dispatcher). */
export function positional(input: CommandInput, index: number): string {
  return input.positionals[index] ?? '';
}
