import { readFileSync } from 'node:fs';
import { importSeed, parseSeed } from '../../shared/operations/tenant-seed';
import { InvalidInputError } from '../../shared/runtime/errors';
import { type CliCommand, positional } from '../command';
import { provisionIfConfigured } from './database';

/**
 * `import`: the whole file is read and checked against the registry's rules before anything is written, so a
 * file with one bad tenant writes nothing; then the registry is checked for conflicts, then written. Every write
 * is idempotent, so running the same file again after an interruption completes it without duplicates.
 */
export const importCommand: CliCommand = {
  name: 'import',
  args: '<seed.json>',
  summary: 'create or update tenants, bindings and members from a seed file (e.g. events/tenants.json)',
  registry: 'write',
  prepare: (input) => {
    const path = positional(input, 0);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new InvalidInputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`, 'file');
    }
    const seed = parseSeed(text, input.tiers);
    return {
      run: async ({ registry, print, out, env }) => {
        const result = await importSeed(registry, seed);
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
