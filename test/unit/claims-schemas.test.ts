import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkSchemaLock,
  generateSchemaTypes,
  incompatibilities,
  type JsonSchema,
  parseSchemaFileName,
  readLock,
  readSchemaFiles,
  SCHEMA_DIR,
  SCHEMA_KINDS,
  schemaFileName,
  TYPES_FILE,
  validatorFor,
  validitySurface,
} from '../support/claims-schemas';

const ACCESS_V1 = schemaFileName('access-token-claims', 1);

/** A schema as a test edits it: its properties' keywords and its required list are reachable without casts. */
interface Editable {
  [keyword: string]: unknown;
  properties: Record<string, Record<string, unknown>>;
  required: string[];
}

/** A property's schema, which the test knows to exist. */
function prop(schema: Editable, name: string): Record<string, unknown> {
  const property = schema.properties[name];
  if (property === undefined) throw new Error(`no property ${name}`);
  return property;
}

/** The published access token schema with `edit` applied to a deep copy. */
function edited(edit: (schema: Editable) => void): Map<string, JsonSchema> {
  const files = readSchemaFiles();
  const copy = structuredClone(files.get(ACCESS_V1)) as unknown as Editable;
  edit(copy);
  files.set(ACCESS_V1, copy);
  return files;
}

describe('the published claims schemas (packages/tenant-context/schemas)', () => {
  it('holds one file per kind for version 1, each a valid draft 2020-12 schema under its own $id', () => {
    // Prepare
    const files = readSchemaFiles();

    // Act
    const names = [...files.keys()];

    // Assess
    for (const kind of SCHEMA_KINDS) expect(names).toContain(schemaFileName(kind, 1));
    for (const [name, schema] of files) {
      const parsed = parseSchemaFileName(name);
      expect(schema.$id).toBe(`urn:cognito-tenancy:schemas:${parsed?.kind}:v${parsed?.version}`);
      expect(() => validatorFor(schema)).not.toThrow();
    }
  });

  it('are all published in the lock and every published version is unchanged or compatibly edited', () => {
    // Prepare
    const files = readSchemaFiles();

    // Act
    const problems = checkSchemaLock(files, readLock());

    // Assess
    expect(problems).toEqual([]);
  });

  it('match their generated TypeScript types (run `npm run schemas:types` after editing a schema)', async () => {
    // Prepare
    const committed = readFileSync(TYPES_FILE, 'utf8');

    // Act
    const generated = await generateSchemaTypes();

    // Assess
    expect(committed).toBe(generated);
  });
});

describe('the schema compatibility check (controls: the CI check fails on each incompatible edit)', () => {
  const lock = readLock();

  it.each([
    [
      'removing a required property',
      (s: Editable) => {
        delete s.properties.tier;
        s.required = s.required.filter((name: string) => name !== 'tier');
      },
      'tier: removed',
    ],
    [
      'renaming a property',
      (s: Editable) => {
        s.properties.tenant = prop(s, 'tenantId');
        delete s.properties.tenantId;
        s.required = s.required.map((name: string) => (name === 'tenantId' ? 'tenant' : name));
      },
      'tenantId: removed',
    ],
    [
      'narrowing a type',
      (s: Editable) => {
        prop(s, 'tier').pattern = '^[a-z]{1,8}$';
      },
      'tier/pattern',
    ],
    [
      'changing a constant',
      (s: Editable) => {
        prop(s, 'tenancy:v').const = 2;
      },
      'tenancy:v/const',
    ],
    [
      'widening a type',
      (s: Editable) => {
        prop(s, 'exp').type = ['integer', 'string'];
      },
      'exp/type',
    ],
    [
      'making an optional property required',
      (s: Editable) => {
        s.required.push('cognito:groups');
      },
      'required',
    ],
    [
      'making a required property optional',
      (s: Editable) => {
        s.required = s.required.filter((name: string) => name !== 'client_id');
      },
      'required',
    ],
    [
      'adding a required property',
      (s: Editable) => {
        s.properties.region = { type: 'string' };
        s.required.push('region');
      },
      'region: added as required',
    ],
    [
      'dropping a bound',
      (s: Editable) => {
        delete prop(s, 'cognito:groups').maxItems;
      },
      'maxItems: keyword removed',
    ],
    [
      'closing the object',
      (s: Editable) => {
        s.additionalProperties = false;
      },
      'additionalProperties',
    ],
  ])('fails on %s without a new version file', (_what, edit, expected) => {
    // Prepare
    const files = edited(edit);

    // Act
    const problems = checkSchemaLock(files, lock);

    // Assess
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toContain(expected);
    expect(problems.join('\n')).toContain(ACCESS_V1);
  });

  it.each([
    [
      'editing descriptions and titles',
      (s: Editable) => {
        s.description = 'reworded';
        prop(s, 'tier').description = 'the plan';
        s.title = 'AccessTokenClaimsV1';
      },
    ],
    [
      'adding an optional property',
      (s: Editable) => {
        s.properties['tenancy:region'] = { type: 'string' };
      },
    ],
    [
      'listing required properties in another order',
      (s: Editable) => {
        s.required = [...s.required].reverse();
      },
    ],
  ])('passes %s', (_what, edit) => {
    // Prepare
    const files = edited(edit);

    // Act
    const problems = checkSchemaLock(files, lock);

    // Assess
    expect(problems).toEqual([]);
  });

  it('fails when a published version file is deleted', () => {
    // Prepare
    const files = readSchemaFiles();
    files.delete(ACCESS_V1);

    // Act
    const problems = checkSchemaLock(files, lock);

    // Assess
    expect(problems).toEqual([`${ACCESS_V1}: a published version was deleted`]);
  });

  it('fails on a version file missing from the lock, and accepts it once locked', () => {
    // Prepare
    const files = readSchemaFiles();
    const v2 = structuredClone(files.get(ACCESS_V1)) as unknown as Editable;
    v2.$id = 'urn:cognito-tenancy:schemas:access-token-claims:v2';
    prop(v2, 'tenancy:v').const = 2;
    files.set(schemaFileName('access-token-claims', 2), v2);

    // Act
    const unpublished = checkSchemaLock(files, lock);
    const published = checkSchemaLock(files, {
      ...lock,
      [schemaFileName('access-token-claims', 2)]: validitySurface(v2),
    });

    // Assess
    expect(unpublished).toEqual([
      `${schemaFileName('access-token-claims', 2)}: not in schemas.lock.json (publish it with --lock)`,
    ]);
    expect(published).toEqual([]);
  });

  it('keeps a property named like an annotation keyword ("description") in the compared surface', () => {
    // Prepare
    const before = { type: 'object', properties: { description: { type: 'string' } } };
    const after = { type: 'object', properties: {} };

    // Act
    const problems = incompatibilities(before, after);

    // Assess
    expect(problems).toEqual(['#/properties/description: removed (or renamed)']);
  });
});

describe('the generated types check (control: a stale types file is caught)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('generates different types once a schema changes', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'claims-schemas-'));
    dirs.push(dir);
    mkdirSync(dir, { recursive: true });
    const schema = structuredClone(readSchemaFiles().get(ACCESS_V1)) as unknown as Editable;
    schema.properties.tier = { type: 'integer' };
    writeFileSync(join(dir, ACCESS_V1), JSON.stringify(schema));

    // Act
    const generated = await generateSchemaTypes(dir);

    // Assess
    expect(generated).toContain('tier: number');
    expect(readFileSync(TYPES_FILE, 'utf8')).not.toContain('tier: number');
    expect(SCHEMA_DIR).toContain(join('packages', 'tenant-context', 'schemas'));
  });
});
