import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../runtime/errors';

/** The repository's policy model: schema, global policies and templates (docs/cedar.md). */
export interface PolicyFiles {
  /** The schema in Cedar's human-readable format. */
  readonly schema: string;
  /** Policy id (file name without `.cedar`) → Cedar text. */
  readonly policies: Readonly<Record<string, string>>;
  /** Template id (file name without `.cedar`) → Cedar text. */
  readonly templates: Readonly<Record<string, string>>;
}

/** The `policies/` folder of the repository. */
export const POLICY_FOLDER = join(import.meta.dirname, '..', '..', '..', 'policies');

// Ids become AVP policy names (`name/global-<id>`) and Cedar policy ids: keep them to a safe alphabet.
const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Reads `schema.cedarschema`, `global/*.cedar` and `templates/*.cedar` from a policy folder. */
export function readPolicyFiles(folder: string = POLICY_FOLDER): PolicyFiles {
  return {
    schema: readFileSync(join(folder, 'schema.cedarschema'), 'utf8'),
    policies: readCedarFolder(join(folder, 'global')),
    templates: readCedarFolder(join(folder, 'templates')),
  };
}

function readCedarFolder(folder: string): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const file of readdirSync(folder).sort()) {
    if (!file.endsWith('.cedar')) continue;
    const id = file.slice(0, -'.cedar'.length);
    if (!ID.test(id))
      throw new InvalidInputError(`policy file name "${file}" must be lowercase letters, digits and -`, 'policies');
    texts[id] = readFileSync(join(folder, file), 'utf8').trim();
  }
  return texts;
}
