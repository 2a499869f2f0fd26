/**
 * The published JSON Schemas of the claims contract (packages/tenant-context/schemas/, docs/claims.md "Claims
 * contract"): where they are, how their TypeScript types are generated, Ajv validators over them, and the
 * compatibility rule the CI check applies. `npm run schemas:types` rewrites the generated types;
 * `npm run schemas:types -- --lock` also records a new version file in the lock.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { compile } from 'json-schema-to-typescript';

/** The folder holding one schema file per kind and version. */
export const SCHEMA_DIR = resolve(fileURLToPath(new URL('../../packages/tenant-context/schemas', import.meta.url)));
/** The generated TypeScript types of every schema file. */
export const TYPES_FILE = join(SCHEMA_DIR, 'types.generated.ts');
/** The published form of every version file, against which edits are judged. */
export const LOCK_FILE = join(SCHEMA_DIR, 'schemas.lock.json');

/** The kinds of schema, one file per kind and version: `<kind>.v<N>.schema.json`. */
export const SCHEMA_KINDS = [
  'id-token-claims',
  'access-token-claims',
  'm2m-access-token-claims',
  'authorizer-context',
] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

const FILE = /^([a-z0-9-]+)\.v([1-9][0-9]*)\.schema\.json$/;

/** A JSON Schema as parsed from its file. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** Every schema file in `dir`, by file name, parsed. */
export function readSchemaFiles(dir: string = SCHEMA_DIR): Map<string, JsonSchema> {
  const files = new Map<string, JsonSchema>();
  for (const name of readdirSync(dir).sort()) {
    if (FILE.test(name)) files.set(name, JSON.parse(readFileSync(join(dir, name), 'utf8')) as JsonSchema);
  }
  return files;
}

/** The file name of a kind's version. */
export function schemaFileName(kind: SchemaKind, version: number): string {
  return `${kind}.v${version}.schema.json`;
}

/** The kind and version a schema file name encodes, or `undefined` for another file. */
export function parseSchemaFileName(name: string): { kind: string; version: number } | undefined {
  const match = FILE.exec(name);
  return match === null ? undefined : { kind: match[1] as string, version: Number(match[2]) };
}

/** The TypeScript source generated from every schema file (json-schema-to-typescript), in file-name order. */
export async function generateSchemaTypes(dir: string = SCHEMA_DIR): Promise<string> {
  const parts = [
    '// Generated from the *.schema.json files beside this file by `npm run schemas:types`; do not edit.\n' +
      '// test/unit/claims-schemas.test.ts fails when this file and the schemas disagree.\n',
  ];
  for (const [name, schema] of readSchemaFiles(dir)) {
    parts.push(
      await compile(structuredClone(schema) as never, name, {
        bannerComment: '',
        format: false,
        unknownAny: true,
        additionalProperties: true,
        declareExternallyReferenced: true,
      }),
    );
  }
  return `${parts.join('\n')}`;
}

/** Keywords that only annotate: changing them changes no instance's validity. */
const ANNOTATIONS = new Set(['title', 'description', '$comment', 'examples', 'default', 'deprecated']);

/** A schema without its annotations, keys sorted: the part that decides validity (what the lock records). */
export function validitySurface(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(validitySurface);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema).sort()) {
    if (ANNOTATIONS.has(key)) continue;
    const value = (schema as Record<string, unknown>)[key];
    // Which properties are required is a set: listing them in another order changes nothing.
    if (key === 'required' && Array.isArray(value)) {
      out[key] = [...value].sort();
      continue;
    }
    // Under `properties`, keys are property names, not keywords: an annotation-named property is kept.
    out[key] =
      key === 'properties' && typeof value === 'object' && value !== null
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((name) => [name, validitySurface((value as Record<string, unknown>)[name])]),
          )
        : validitySurface(value);
  }
  return out;
}

/**
 * Why `current` is not a compatible edit of the published `locked` schema (empty when it is). A published
 * version is a promise in both directions: every token it accepted is still accepted (producers built on it
 * keep validating) and every token it accepts was accepted (readers built on it are not surprised). So the
 * only compatible edits are annotations (descriptions, titles) and a new optional property under an object
 * whose other properties are unchanged; removing or renaming a property, making one required or optional,
 * and widening or narrowing any type, pattern, constant or bound are incompatible: they need a new version file.
 */
export function incompatibilities(locked: unknown, current: unknown, path = '#'): string[] {
  const before = validitySurface(locked);
  const after = validitySurface(current);
  return diff(before, after, path);
}

function diff(before: unknown, after: unknown, path: string): string[] {
  if (!isObject(before) || !isObject(after)) {
    return JSON.stringify(before) === JSON.stringify(after)
      ? []
      : [`${path}: ${JSON.stringify(before)} became ${JSON.stringify(after)}`];
  }
  const problems: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const here = `${path}/${key}`;
    if (key === 'properties' && isObject(before.properties) && isObject(after.properties)) {
      const required = new Set(Array.isArray(after.required) ? (after.required as string[]) : []);
      for (const name of Object.keys(before.properties)) {
        if (!(name in after.properties)) problems.push(`${here}/${name}: removed (or renamed)`);
        else problems.push(...diff(before.properties[name], after.properties[name], `${here}/${name}`));
      }
      for (const name of Object.keys(after.properties)) {
        // A new property is compatible only when optional (old tokens lack it). Under `additionalProperties:
        // false` the old schema refused it outright, so readers never saw it: still compatible for them.
        if (!(name in before.properties) && required.has(name)) problems.push(`${here}/${name}: added as required`);
      }
      continue;
    }
    if (!(key in before)) problems.push(`${here}: keyword added`);
    else if (!(key in after)) problems.push(`${here}: keyword removed`);
    else problems.push(...diff(before[key], after[key], here));
  }
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The lock: each published version file's validity surface. */
export type SchemaLock = Record<string, unknown>;

/** Reads the lock file. */
export function readLock(file: string = LOCK_FILE): SchemaLock {
  return JSON.parse(readFileSync(file, 'utf8')) as SchemaLock;
}

/**
 * The CI check over a schema folder and its lock: every locked (published) version file still exists and is a
 * compatible edit of its locked form, and every version file is locked (a new version is published by adding
 * it to the lock with `npm run schemas:types -- --lock`). Returns the problems; empty when all is well.
 */
export function checkSchemaLock(files: ReadonlyMap<string, JsonSchema>, lock: SchemaLock): string[] {
  const problems: string[] = [];
  for (const [name, locked] of Object.entries(lock)) {
    const current = files.get(name);
    if (current === undefined) {
      problems.push(`${name}: a published version was deleted`);
      continue;
    }
    for (const problem of incompatibilities(locked, current)) {
      problems.push(`${name} ${problem}: an incompatible change needs a new version file`);
    }
  }
  for (const name of files.keys()) {
    if (!Object.hasOwn(lock, name)) problems.push(`${name}: not in schemas.lock.json (publish it with --lock)`);
  }
  return problems;
}

let ajv: Ajv2020 | undefined;

/** An Ajv (draft 2020-12, strict mode) validator for a schema file's content. */
export function validatorFor(schema: JsonSchema): ValidateFunction {
  ajv ??= new Ajv2020({ strict: true, allErrors: true });
  const id = typeof schema.$id === 'string' ? schema.$id : undefined;
  const known = id === undefined ? undefined : ajv.getSchema(id);
  return (known as ValidateFunction | undefined) ?? ajv.compile(schema);
}

/** The validator of a published kind and version from the schema folder. */
export function schemaValidator(kind: SchemaKind, version: number): ValidateFunction {
  const schema = readSchemaFiles().get(schemaFileName(kind, version));
  if (schema === undefined) throw new Error(`no schema file ${schemaFileName(kind, version)}`);
  return validatorFor(schema);
}

/** Writes the generated types and, with `lock`, records version files missing from the lock (never rewrites one). */
async function main(args: readonly string[]): Promise<void> {
  writeFileSync(TYPES_FILE, await generateSchemaTypes());
  if (args.includes('--lock')) {
    const lock = readLock();
    for (const [name, schema] of readSchemaFiles())
      if (!Object.hasOwn(lock, name)) lock[name] = validitySurface(schema);
    writeFileSync(LOCK_FILE, `${JSON.stringify(lock, null, 2)}\n`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
