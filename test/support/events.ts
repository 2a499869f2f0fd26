import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EVENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'events');
const cache = new Map<string, unknown>();

/**
 * Loads a sample event from `events/` (path relative to it, e.g. `pre-token-generation/v2-authentication.json`)
 * and returns a deep copy, so a test may mutate it without affecting other tests.
 */
export function loadEvent<T = Record<string, unknown>>(path: string): T {
  let parsed = cache.get(path);
  if (parsed === undefined) {
    parsed = JSON.parse(readFileSync(join(EVENTS_DIR, path), 'utf8'));
    cache.set(path, parsed);
  }
  return structuredClone(parsed) as T;
}
