import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

// The rules of ARCHITECTURE.md "Imports run one way", checked on every relative import of the repository.
const root = resolve(__dirname, '..', '..');

/** Layer of a folder in shared/: a module may import its own folder and lower layers only. */
const LAYERS: Record<string, number> = { runtime: 0, registry: 1, cognito: 1 };
/** Concern folders (assignment, tokens, authorizer, operations, and any new one) sit above registry/cognito. */
const CONCERN_LAYER = 2;
/** Sideways imports between concern folders that ARCHITECTURE.md allows, as `from → to` (folder → file). */
const ALLOWED_SIDEWAYS = new Set([
  'authorizer → tokens/claim-names.ts',
  'operations → assignment/assignment-config.ts',
  'documents → cedar/decide.ts',
  'documents → credentials/tenant-clients.ts',
  'documents → credentials/credentials-config.ts',
  'documents → credentials/tenant-credential-source.ts',
  // The documents handler wires the sample service onto Cedar: the decider, its configuration, sharing, the
  // tenant AVP clients and the registry of policy stores.
  'documents → cedar/decider-from-env.ts',
  'documents → cedar/policy-config.ts',
  'documents → cedar/sharing/share-document.ts',
  'documents → cedar/sharing/share-links.ts',
  'documents → cedar/engines/tenant-avp-clients.ts',
  'documents → cedar/stores/policy-store-registry.ts',
  'members-api → memberships/membership-operations.ts',
  'postgres → credentials/tenant-credential-source.ts',
  'documents → postgres/tenant-pools.ts',
  'documents → postgres/postgres-config.ts',
  'documents → postgres/tenant-pools-from-config.ts',
  'documents → credentials/tenant-credential-source.ts',
  'operations → postgres/postgres-config.ts',
  'operations → postgres/local-password.ts',
]);
/**
 * Concern folders split into sub-concerns, one level deep: `shared/<concern>/<sub-concern>/<file>.ts`. A concern
 * is still one folder for the import rule (its sub-folders import each other freely).
 */
const SUB_CONCERNS: Record<string, readonly string[]> = { cedar: ['engines', 'sharing', 'stores'] };
/**
 * Operator-only modules: never reachable from a Lambda entry. A whole folder (`operations/`), or files named one
 * by one where a concern holds both: the operator writes of the registry and the user pool, and the policy
 * store administration of `cedar/stores/` (the Lambdas read a tenant's store through policy-store-registry.ts,
 * which is not listed).
 */
const OPERATOR_ONLY = [
  /^shared\/operations\//,
  /^shared\/registry\/tenant-admin\.ts$/,
  /^shared\/cognito\/directory-admin\.ts$/,
  /^shared\/cedar\/stores\/policy-store-admin\.ts$/,
  /^shared\/cedar\/stores\/avp-policy-store\.ts$/,
  /^shared\/cedar\/stores\/embedded-policy-store\.ts$/,
  /^shared\/cedar\/stores\/policy-files\.ts$/,
  /^shared\/cedar\/stores\/policy-plan\.ts$/,
  /^shared\/cedar\/stores\/policy-store-sync\.ts$/,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file).split(sep).join('/'));
}

/** The repository-relative files a module imports (relative specifiers only; packages are not checked here). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map(
    (m) => m[1] ?? '',
  );
  return specifiers.map((specifier) => {
    const base = resolve(root, dirname(file), specifier);
    const target = [`${base}.ts`, join(base, 'index.ts'), base].find((candidate) => existsSync(candidate)) ?? base;
    return relative(root, target).split(sep).join('/');
  });
}

const folderOf = (file: string) => file.split('/')[1] ?? '';
const layerOf = (folder: string) => LAYERS[folder] ?? CONCERN_LAYER;

/** Whether an import from `file` (in shared/) to `target` breaks the one-way rule. */
function breaksRule(file: string, target: string): boolean {
  // Data files (config/*.json) are not code and carry no imports.
  if (target.startsWith('config/') && target.endsWith('.json')) return false;
  if (!target.startsWith('shared/')) return true;
  const from = folderOf(file);
  const to = folderOf(target);
  if (from === to || layerOf(to) < layerOf(from)) return false;
  return !ALLOWED_SIDEWAYS.has(`${from} → ${target.slice('shared/'.length)}`);
}

/** Every import in shared/ that breaks the one-way rule, as `from → to`. */
function sharedViolations(files: readonly string[]): string[] {
  return files.flatMap((file) =>
    importsOf(file)
      .filter((target) => breaksRule(file, target))
      .map((target) => `${file} → ${target}`),
  );
}

/** Every module reachable from `entry` through relative imports. */
function closure(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    pending.push(...importsOf(file));
  }
  return seen;
}

describe('the one-way import rule (ARCHITECTURE.md)', () => {
  const shared = sourceFiles('shared');

  it('keeps every shared/ module inside a concern folder, or a declared sub-concern of one', () => {
    // Act
    const misplaced = shared.filter((file) => {
      const parts = file.split('/');
      if (parts.length === 3) return false;
      return parts.length !== 4 || !(SUB_CONCERNS[parts[1] ?? ''] ?? []).includes(parts[2] ?? '');
    });

    // Assess
    expect(misplaced).toEqual([]);
  });

  it('lets shared/ import only its own folder, lower layers and the listed sideways modules', () => {
    // Act
    const violations = sharedViolations(shared);

    // Assess
    expect(violations).toEqual([]);
  });

  it.each([
    ['shared/registry/tenant-registry.ts', 'shared/tokens/claims.ts'],
    ['shared/runtime/logger.ts', 'shared/registry/tenant.ts'],
    ['shared/registry/tenant-registry.ts', 'shared/cognito/tenant-directory.ts'],
    ['shared/tokens/claims.ts', 'shared/assignment/new-user.ts'],
    ['shared/authorizer/authorize.ts', 'shared/tokens/claims.ts'],
    ['shared/tokens/claims.ts', 'functions/pre-token-generation.ts'],
    ['shared/credentials/any.ts', 'cli/tenants-cli.ts'],
    ['shared/cedar/decide.ts', 'shared/documents/document.ts'],
    ['shared/documents/documents-handler.ts', 'shared/cedar/stores/policy-store-admin.ts'],
    ['shared/registry/tenant-registry.ts', 'shared/cedar/stores/policy-store-registry.ts'],
  ])('refuses an import from %s to %s', (file, target) => {
    // Act & Assess
    expect(breaksRule(file, target)).toBe(true);
  });

  it.each([
    ['shared/tokens/claims.ts', 'shared/registry/tenant.ts'],
    ['shared/registry/tenant-registry.ts', 'shared/runtime/errors.ts'],
    ['shared/authorizer/authorizer-config.ts', 'shared/tokens/claim-names.ts'],
    ['shared/credentials/any.ts', 'shared/cognito/tenant-directory.ts'],
    ['shared/cedar/sharing/share-document.ts', 'shared/cedar/decide.ts'],
    ['shared/cedar/stores/policy-store-admin.ts', 'shared/registry/registry-table.ts'],
    ['shared/documents/documents-handler.ts', 'shared/cedar/stores/policy-store-registry.ts'],
  ])('allows an import from %s to %s', (file, target) => {
    // Act & Assess
    expect(breaksRule(file, target)).toBe(false);
  });

  it('reaches no operator-only module, cli/, local/ or bench/ from any Lambda entry', () => {
    // Prepare
    const entries = sourceFiles('functions');

    // Act
    const reached = entries.flatMap((entry) =>
      [...closure(entry)]
        .filter((file) => OPERATOR_ONLY.some((pattern) => pattern.test(file)) || /^(cli|local|bench)\//.test(file))
        .map((file) => `${entry} → ${file}`),
    );

    // Assess
    expect(entries.length).toBeGreaterThan(0);
    expect(reached).toEqual([]);
  });

  it('keeps local/ and bench/ independent of cli/: the CLI is an entry, not a library', () => {
    // Act
    const reaching = [...sourceFiles('local'), ...sourceFiles('bench')].flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('cli/'))
        .map((target) => `${file} → ${target}`),
    );

    // Assess
    expect(reaching).toEqual([]);
  });

  it('reaches the operator modules from the CLI, so the check above looks at real paths', () => {
    // Act
    const reached = [...closure('cli/tenants.ts')];

    // Assess
    for (const pattern of OPERATOR_ONLY)
      expect(
        reached.some((file) => pattern.test(file)),
        String(pattern),
      ).toBe(true);
  });
});

/** Every package specifier a module imports (static and dynamic imports, `export … from`). */
function packageImportsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'([^'.][^']*)'/g)].map((m) => m[1] ?? '');
}

describe('the workspace package @cognito-tenancy/tenant-context (ARCHITECTURE.md "Imports run one way")', () => {
  const packageSources = sourceFiles('packages/tenant-context/src');
  const repository = ['functions', 'shared', 'cli', 'local', 'bench', 'test'].flatMap(sourceFiles);

  it('imports nothing of the repository outside itself, so that it can be published alone', () => {
    // Act
    const leaving = packageSources.flatMap((file) =>
      importsOf(file)
        .filter((target) => !target.startsWith('packages/tenant-context/src/'))
        .map((target) => `${file} → ${target}`),
    );
    const foreign = packageSources.flatMap((file) =>
      packageImportsOf(file)
        .filter((name) => !name.startsWith('node:') && name !== 'aws-jwt-verify' && !name.startsWith('aws-jwt-verify/'))
        .map((name) => `${file} → ${name}`),
    );

    // Assess
    expect(packageSources.length).toBeGreaterThan(3);
    expect(leaving).toEqual([]);
    expect(foreign).toEqual([]);
  });

  it('is reached from the repository by its package name only, never by a path into its code', () => {
    // Act: the schema folder (the JSON Schemas and the types generated from them) is data the tests may read.
    const byPath = repository.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('packages/') && !target.startsWith('packages/tenant-context/schemas/'))
        .map((target) => `${file} → ${target}`),
    );

    // Assess
    expect(byPath).toEqual([]);
  });

  it('gives the documents service its caller: no documents module reads the authorizer context itself', () => {
    // Prepare
    const documents = sourceFiles('shared/documents');

    // Act
    const readers = documents.filter((file) =>
      /requestContext|authorizer\??\.lambda/.test(readFileSync(join(root, file), 'utf8')),
    );
    const users = documents.filter((file) => packageImportsOf(file).includes('@cognito-tenancy/tenant-context'));

    // Assess
    expect(readers).toEqual([]);
    expect(users).toContain('shared/documents/documents-route.ts');
  });
});

/** Largest a `functions/*.ts` file may be: it reads configuration and wires a handler factory, nothing more. */
const MAX_FUNCTION_LINES = 40;

describe('the handler seam (ARCHITECTURE.md "Handlers")', () => {
  const entries = sourceFiles('functions');

  it.each(entries)('keeps %s within the line limit of a wiring file', (entry) => {
    // Act
    const lines = readFileSync(join(root, entry), 'utf8').trimEnd().split('\n').length;

    // Assess
    expect(lines).toBeLessThanOrEqual(MAX_FUNCTION_LINES);
  });

  it.each(entries)('builds the handler of %s with a create…Handler factory from shared/', (entry) => {
    // Prepare
    const text = readFileSync(join(root, entry), 'utf8');

    // Act
    const factory = /export const handler(?:: [^=]+)? =\s*(?:\w+\(\s*\w+,\s*)?(create\w+Handler)\(/.exec(text)?.[1];
    const imported = importsOf(entry).filter((target) => target.startsWith('shared/'));

    // Assess
    expect(factory, 'export const handler = create…Handler(…)').toBeDefined();
    expect(text).toMatch(new RegExp(`import \\{[^}]*\\b${factory}\\b[^}]*\\} from '\\.\\./shared/`));
    expect(imported.length).toBeGreaterThan(0);
  });

  it('declares no function of its own in a functions/ file: the logic lives in shared/', () => {
    // Act
    const declaring = entries.filter((entry) =>
      /^(?:export )?(?:async )?function |^(?:export )?class /m.test(readFileSync(join(root, entry), 'utf8')),
    );

    // Assess
    expect(declaring).toEqual([]);
  });

  it('awaits at top level only in functions/: what an entry imports evaluates without waiting on on-demand code', () => {
    // Prepare: on-demand code imports what the entry imports (esbuild.config.cjs, one chunk at cold start), so a
    // module the entry imports that awaited an import() at top level would wait on itself.
    const topLevelAwait = /^(?:export\s+)?(?:(?:const|let|var)\s[^\n]*=\s*)?(?:await|for await)\b/m;
    const modules = [...sourceFiles('shared'), ...sourceFiles('packages/tenant-context/src')];

    // Act
    const awaiting = modules.filter((file) => topLevelAwait.test(readFileSync(join(root, file), 'utf8')));

    // Assess: the pattern finds the entries' own top-level awaits.
    expect(modules.length).toBeGreaterThan(0);
    expect(awaiting).toEqual([]);
    expect(topLevelAwait.test(readFileSync(join(root, 'functions', 'documents.ts'), 'utf8'))).toBe(true);
  });
});
