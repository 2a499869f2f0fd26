import { type CliIo, runTenantsCli } from '../../cli/tenants-cli';
import type { Env } from '../../shared/runtime/settings';

/** What one CLI run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly out: string[];
  /** stderr lines other than the target lines. */
  readonly err: string[];
  /** The `target: …` lines a writing command prints on stderr before it writes. */
  readonly targets: string[];
}

export type Cli = (...argv: string[]) => Promise<CliRun>;

/**
 * The `tenants` CLI in-process, as `npm run tenants` runs it, with `env` as its environment and `trailing`
 * arguments (e.g. `--table <name>`) added to every call; stdout and stderr lines are collected.
 */
export function cliRunner(env: Env, trailing: readonly string[] = [], extra: Partial<CliIo> = {}): Cli {
  return async (...argv) => {
    const out: string[] = [];
    const err: string[] = [];
    const targets: string[] = [];
    const code = await runTenantsCli([...argv, ...trailing], {
      out: (line) => out.push(line),
      err: (line) => (line.startsWith('target: ') ? targets : err).push(line),
      env,
      localDataDir: '/nonexistent',
      ...extra,
    });
    return { code, out, err, targets };
  };
}
