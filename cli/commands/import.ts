import { readFileSync } from 'node:fs';
import {
  DEFAULT_IMPORT_CONCURRENCY,
  DEFAULT_IMPORT_TRANSACTIONS,
  importSeed,
  parseSeed,
} from '../../shared/operations/tenant-seed';
import { InvalidInputError } from '../../shared/runtime/errors';
import { type CliCommand, optionalString, positional } from '../command';
import { provisionIfConfigured } from './database';

/** The most tenants `--concurrency` may run at once: beyond it DynamoDB throttles rather than speeds up. */
const MAX_IMPORT_CONCURRENCY = 256;
/** The most grouped transactions `--transactions` may have in flight (each up to 100 item writes). */
const MAX_IMPORT_TRANSACTIONS = 64;
/** A seed with at least this many tenants reports its progress on stderr, every this many tenants. */
const PROGRESS_EVERY = 1_000;

/**
 * `import`: the whole file is read and checked against the registry's rules before anything is written, so a
 * file with one bad tenant writes nothing; then the registry is checked for conflicts (batched reads,
 * `--concurrency` at a time, default 16), then written: new tenants whole, several per transaction
 * (`--transactions` in flight, default 1), other tenants step by step, `--concurrency` at a time. Every write
 * is idempotent, so running the same file again after an interruption completes it without duplicates. Long
 * imports report their progress on stderr.
 */
export const importCommand: CliCommand = {
  name: 'import',
  args: '<seed.json>',
  summary: 'create or update tenants, bindings and members from a seed file (e.g. events/tenants.json)',
  registry: 'write',
  options: {
    concurrency: {
      type: 'string',
      value: '<n>',
      help: `lookups and tenants written step by step at once, 1-${MAX_IMPORT_CONCURRENCY} (default ${DEFAULT_IMPORT_CONCURRENCY})`,
    },
    transactions: {
      type: 'string',
      value: '<n>',
      help: `transactions creating new tenants in flight, 1-${MAX_IMPORT_TRANSACTIONS} (default ${DEFAULT_IMPORT_TRANSACTIONS})`,
    },
  },
  prepare: (input) => {
    const concurrency = parseCount(
      optionalString(input, 'concurrency'),
      'concurrency',
      DEFAULT_IMPORT_CONCURRENCY,
      MAX_IMPORT_CONCURRENCY,
    );
    const transactions = parseCount(
      optionalString(input, 'transactions'),
      'transactions',
      DEFAULT_IMPORT_TRANSACTIONS,
      MAX_IMPORT_TRANSACTIONS,
    );
    const path = positional(input, 0);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new InvalidInputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`, 'file');
    }
    const seed = parseSeed(text, input.tiers);
    return {
      run: async ({ registry, print, out, err, env }) => {
        const onProgress =
          seed.length < PROGRESS_EVERY
            ? undefined
            : (phase: 'check' | 'write', done: number, total: number) => {
                if (done % PROGRESS_EVERY === 0 || done === total)
                  err(`${phase === 'check' ? 'checked' : 'written'} ${done}/${total} tenant(s)`);
              };
        const result = await importSeed(registry, seed, { concurrency, transactions, onProgress });
        print(
          result,
          () =>
            `imported ${seed.length} tenant(s): ${result.created.length} created, ${result.updated.length} updated, ${result.bindings} binding(s), ${result.members} new member(s)`,
        );
        // With PostgreSQL configured, every tenant of the file gets its database role (idempotent).
        for (const line of await provisionIfConfigured(
          env,
          seed.map((tenant) => tenant.tenantId),
        ))
          out(line);
        return 0;
      },
    };
  },
};

/** `--<name>`: a whole number from 1 to `max` (`fallback` when absent), else `InvalidInputError`. */
function parseCount(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^[0-9]{1,3}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= max)) {
    throw new InvalidInputError(`--${name} must be a whole number from 1 to ${max}`, name);
  }
  return n;
}
