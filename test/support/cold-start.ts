import { vi } from 'vitest';

/**
 * Imports a Lambda module afresh with `env` stubbed on top of the test environment. Handlers read their
 * configuration once at import (cold start), so every configuration needs its own module instance. Earlier
 * stubs are removed first; `vi.unstubAllEnvs()` in an `afterAll` restores the environment.
 */
export async function coldStart<M>(load: () => Promise<M>, env: Readonly<Record<string, string>>): Promise<M> {
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  return load();
}
