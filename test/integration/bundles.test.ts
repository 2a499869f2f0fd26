import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  buildFunctionBundle,
  bundleIdentifiers,
  type FunctionBundle,
  functionEntries,
} from '../../local/function-bundle';
import { repositoryPolicySet } from '../../local/policy-sets';
import { startBudgetMs } from '../../local/start-timeout';

// Operator-only SDK commands: a table scan, user-pool administration and policy store administration
// (shared/cedar/stores/avp-policy-store.ts) that no Lambda performs.
const OPERATOR_COMMANDS = [
  'ScanCommand',
  'AdminCreateUserCommand',
  'ListUsersCommand',
  'CreatePolicyStoreCommand',
  'PutSchemaCommand',
] as const;

/** Functions in functions/ that decide with Cedar (and so may carry cedar-wasm, in an on-demand chunk). */
const DECIDING_FUNCTIONS = new Set<string>(['documents']);

/** Which operator commands a bundle carries: by source-map identifier, or by the operation name in the code. */
function operatorCommandsIn(bundle: FunctionBundle): string[] {
  const identifiers = bundleIdentifiers(bundle);
  const code = bundle.jsFiles.map((file) => readFileSync(file, 'utf8')).join('\n');
  return OPERATOR_COMMANDS.filter(
    (command) => identifiers.has(command) || code.includes(`"${command.slice(0, -'Command'.length)}"`),
  );
}

const wasmFiles = (bundle: FunctionBundle) =>
  (readdirSync(dirname(bundle.file), { recursive: true }) as string[]).filter((file) => file.endsWith('.wasm'));
const carriesCedar = (bundle: FunctionBundle) =>
  bundle.jsFiles.some((file) => readFileSync(file, 'utf8').includes('statefulIsAuthorized'));

/** The files of `bundle` (entry or chunks) that carry `pg`'s own code, by their source maps' sources. */
const pgFiles = (bundle: FunctionBundle) =>
  bundle.jsFiles.filter((file) =>
    ((JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources?: string[] }).sources ?? []).some((source) =>
      source.includes('node_modules/pg/'),
    ),
  );

// Module hooks (node:module register) that append every file URL Node loads to the file named in `data.log`.
const LOAD_LOGGER = [
  "import { appendFileSync } from 'node:fs';",
  'let log;',
  'export async function initialize(data) { log = data.log; }',
  "export async function load(url, context, next) { if (url.startsWith('file:')) appendFileSync(log, [url, ''].join('\\n')); return next(url, context); }",
].join('\n');

/**
 * Cold-starts `bundle` in a fresh Node process with `env` (module initialisation only, as Lambda's init phase)
 * and returns the paths of the bundle's files that were loaded.
 */
async function filesLoadedAtColdStart(bundle: FunctionBundle, env: Record<string, string>, out: string) {
  const hooks = join(out, 'load-logger.mjs');
  writeFileSync(hooks, LOAD_LOGGER);
  const log = join(out, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(log, '');
  const probe = [
    "import { register } from 'node:module';",
    `register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { log: ${JSON.stringify(log)} } });`,
    `await import(${JSON.stringify(pathToFileURL(bundle.file).href)});`,
    'process.exit(0);',
  ].join('\n');
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe], {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  rmSync(log);
  return bundle.jsFiles.filter((file) => urls.includes(pathToFileURL(file).href));
}

// What the documents function validates at cold start; every endpoint is a closed local port.
const DOCUMENTS_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
  TENANCY_TABLE_NAME: 'registry',
  TENANCY_DATA_ROLE_ARN: 'arn:aws:iam::123456789012:role/test-TenantDataAccessRole',
  TENANCY_DATA_TABLE_NAME: 'tenant-data',
  TENANCY_DATA_BUCKET_NAME: 'tenant-data',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

// Building every bundle is bound by the machine's speed, like a start-up.
vi.setConfig({ hookTimeout: startBudgetMs(2) });

describe('Lambda bundles, built with the deployed esbuild options', () => {
  let out: string;
  const bundles: FunctionBundle[] = [];
  let operatorBundle: FunctionBundle;
  let deciding: FunctionBundle;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'tenancy-bundles-'));
    for (const entry of functionEntries()) bundles.push(await buildFunctionBundle(entry, out));
    const shared = join(__dirname, '..', '..', 'shared');
    // A control entry that does use the operator classes: proves the detector sees what it looks for.
    const control = join(out, 'operator-control.ts');
    writeFileSync(
      control,
      [
        `import { DirectoryAdmin } from '${join(shared, 'cognito', 'directory-admin')}';`,
        `import { TenantAdmin } from '${join(shared, 'registry', 'tenant-admin')}';`,
        // The store administration plans with cedar-wasm, which a bundle may only load with import().
        `const avp = () => import('${join(shared, 'cedar', 'stores', 'avp-policy-store')}');`,
        'export const handler = async () => [TenantAdmin, DirectoryAdmin, (await avp()).AvpPolicyStore];',
      ].join('\n'),
    );
    operatorBundle = await buildFunctionBundle(control, out);
    // A deciding function as a service would write one: decider at cold start, one decision per request.
    const { policies, templates } = repositoryPolicySet();
    const record = { tenantId: 'acme', version: 1, policies, templates, avpTemplateIds: {}, updatedAt: '' };
    const decidingEntry = join(out, 'deciding-control.ts');
    writeFileSync(
      decidingEntry,
      [
        `import { deciderFromEnv } from '${join(shared, 'cedar', 'decider-from-env')}';`,
        `const record = ${JSON.stringify(record)};`,
        'const decider = deciderFromEnv({}, { stores: { getRecord: async () => record }, links: { listLinks: async () => [] } });',
        'export const handler = async (event) => decider.decide(event);',
      ].join('\n'),
    );
    deciding = await buildFunctionBundle(decidingEntry, out);
  });

  afterAll(() => {
    if (out !== undefined) rmSync(out, { recursive: true, force: true });
  });

  it('builds every function in functions/', () => {
    // Assess
    expect(bundles.map((bundle) => bundle.name)).toEqual(
      expect.arrayContaining(['authorizer', 'post-confirmation', 'pre-sign-up', 'pre-token-generation']),
    );
  });

  it('finds the operator commands in a bundle that imports the operator classes', () => {
    // Act
    const found = operatorCommandsIn(operatorBundle);

    // Assess
    expect(found).toEqual([...OPERATOR_COMMANDS]);
  });

  it('ships no Lambda bundle with a scan, user-pool administration or policy store administration command', () => {
    // Act
    const found = Object.fromEntries(bundles.map((bundle) => [bundle.name, operatorCommandsIn(bundle)]));

    // Assess
    for (const bundle of bundles) expect(found[bundle.name], bundle.name).toEqual([]);
  });

  it('puts the engine and its WebAssembly file in an on-demand chunk of a deciding function, and it decides', async () => {
    // Prepare
    const { handler } = (await import(pathToFileURL(deciding.file).href)) as {
      handler: (event: unknown) => Promise<{ decision: string }>;
    };
    const request = (sub: string) => ({
      principal: { sub, tenantId: 'acme', groups: ['tenant-member'] },
      action: 'UpdateDocument',
      resource: { kind: 'document', id: 'd', tenantId: 'acme', ownerSub: 'alice' },
    });

    // Act
    const owner = await handler(request('alice'));
    const other = await handler(request('bob'));

    // Assess
    expect([owner.decision, other.decision]).toEqual(['allow', 'deny']);
    expect(
      wasmFiles(deciding).map((file) => relative(dirname(deciding.file), join(dirname(deciding.file), file))),
    ).toEqual([expect.stringMatching(/^chunks\/(.+\/)?cedar_wasm_bg\.wasm$/)]);
    expect(readFileSync(deciding.file, 'utf8')).not.toContain('statefulIsAuthorized');
    expect(carriesCedar(deciding)).toBe(true);
  });

  it('loads the PostgreSQL store with the documents function at cold start only when it is configured, and connects to nothing', async () => {
    // Prepare: a listener standing in for the database, counting the connections it is offered.
    const documents = bundles.find((bundle) => bundle.name === 'documents') as FunctionBundle;
    const pgCode = pgFiles(documents);
    let connections = 0;
    const database = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => database.listen(0, '127.0.0.1', resolve));
    const port = (database.address() as { port: number }).port;
    const postgresEnv = {
      ...DOCUMENTS_ENV,
      TENANCY_POSTGRES_HOST: '127.0.0.1',
      TENANCY_POSTGRES_PORT: String(port),
      TENANCY_POSTGRES_DATABASE: 'tenancy',
      TENANCY_POSTGRES_AUTH: 'local-password',
      TENANCY_POSTGRES_LOCAL_SECRET: 'a-local-secret-of-some-length',
    };
    try {
      // Act
      const withPostgres = await filesLoadedAtColdStart(documents, postgresEnv, out);
      const withDynamoDB = await filesLoadedAtColdStart(documents, DOCUMENTS_ENV, out);

      // Assess
      expect(pgCode.length).toBeGreaterThan(0);
      expect(pgCode).not.toContain(documents.file);
      expect(withPostgres).toEqual(expect.arrayContaining([documents.file, ...pgCode]));
      expect(withDynamoDB).toContain(documents.file);
      expect(withDynamoDB.filter((file) => pgCode.includes(file))).toEqual([]);
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => database.close(resolve));
    }
  });

  it('ships no cedar-wasm, file or code, in any function that does not decide', () => {
    // Act
    const carrying = bundles
      .filter((bundle) => !DECIDING_FUNCTIONS.has(bundle.name))
      .filter((bundle) => wasmFiles(bundle).length > 0 || carriesCedar(bundle))
      .map((bundle) => bundle.name);

    // Assess
    expect(bundles.length).toBeGreaterThan(0);
    expect(carrying).toEqual([]);
    expect(existsSync(deciding.file)).toBe(true);
  });
});

/** Writes `files` (name → source) into a fresh folder under `out` and returns the folder. */
function writeControl(out: string, name: string, files: Record<string, string>): string {
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, source] of Object.entries(files)) writeFileSync(join(dir, file), source);
  return dir;
}

// The deployed plugin that joins what a cold start loads into one chunk (esbuild.config.cjs).
const INIT_IN_ONE_CHUNK = 'init-in-one-chunk';

describe('What a cold start loads: the entry file and one chunk', () => {
  let out: string;
  const bundles: FunctionBundle[] = [];

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'tenancy-init-chunk-'));
    for (const entry of functionEntries()) bundles.push(await buildFunctionBundle(entry, out));
  });

  afterAll(() => {
    if (out !== undefined) rmSync(out, { recursive: true, force: true });
  });

  it('loads every function from its entry file and at most one chunk', () => {
    // Act
    const extra = Object.fromEntries(
      bundles.map((bundle) => [bundle.name, bundle.initFiles.filter((file) => file !== bundle.file).length]),
    );

    // Assess
    expect(bundles.length).toBeGreaterThan(0);
    for (const bundle of bundles) {
      expect(bundle.initFiles, bundle.name).toContain(bundle.file);
      expect(extra[bundle.name], bundle.name).toBeLessThanOrEqual(1);
    }
  });

  it('splits what the documents function loads at cold start into many files without the plugin', async () => {
    // Act
    const split = await buildFunctionBundle(join(__dirname, '..', '..', 'functions', 'documents.ts'), out, {
      folder: 'documents-split',
      without: [INIT_IN_ONE_CHUNK],
    });

    // Assess: the check above can fail, and the plugin is what passes it.
    expect(split.initFiles.length).toBeGreaterThan(2);
  });

  it('loads at cold start exactly the files the build says it does', async () => {
    // Prepare
    const documents = bundles.find((bundle) => bundle.name === 'documents') as FunctionBundle;

    // Act
    const loaded = await filesLoadedAtColdStart(documents, DOCUMENTS_ENV, out);

    // Assess
    expect([...loaded].sort()).toEqual([...documents.initFiles].sort());
  });

  it('joins an entry that imports only a package marked free of side effects, with on-demand code inside it', async () => {
    // Prepare: the SDK client loads its credential providers with import(); `sideEffects: false` in its package.
    const dir = writeControl(out, 'sdk-only', {
      'sdk-only.ts': [
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
        "const client = new DynamoDBClient({ region: 'us-east-1' });",
        'export const handler = async () => client.config.maxAttempts;',
      ].join('\n'),
    });
    const entry = join(dir, 'sdk-only.ts');

    // Act
    const joined = await buildFunctionBundle(entry, out);
    const split = await buildFunctionBundle(entry, out, { folder: 'sdk-only-split', without: [INIT_IN_ONE_CHUNK] });

    // Assess
    expect(split.initFiles.length).toBeGreaterThan(2);
    expect(joined.initFiles).toHaveLength(2);
  });

  it('keeps what on-demand modules export and what every form of import binds, and an entry awaiting one at top level starts', async () => {
    // Prepare: every import form esbuild prints, a type-only import, and on-demand modules sharing code with the
    // entry (with and without a default export), one of them awaited at top level as functions/documents.ts does.
    // Shared by entry and both: `shared`; by entry and one: `other`, `side-effect` (default import, named import with
    // rename, bare import) and `spaced` (namespace import).
    const dir = writeControl(out, 'forms', {
      'shared.ts': "export const shared = (value: string) => 'shared:' + value;\n",
      'other.ts': 'export default function other() { return "other"; }\nexport const named = "named";\n',
      'spaced.ts': 'export const spaced = "spaced";\n',
      'side-effect.ts': '(globalThis as { sideEffect?: boolean }).sideEffect = true;\n',
      'types.ts': 'export interface Shape { readonly value: string }\n',
      // Each on-demand module shares a different part of what the entry imports, so that without the wrapper
      // (importing every form the entry uses) those parts would split into chunks of their own.
      'with-default.ts':
        "import { shared } from './shared';\nimport { named } from './other';\nimport './side-effect';\nexport default shared('default');\nexport const extra = shared(named);\n",
      'without-default.ts':
        "import { shared } from './shared';\nimport { spaced } from './spaced';\nexport const only = shared(spaced);\n",
      // Exports esbuild cannot list without bundling, and CommonJS.
      'star-only.ts': "export * from './spaced';\n",
      'common.cjs': "module.exports = { common: 'common' };\n",
      'forms.ts': [
        "import other, { named as renamed } from './other';",
        "import * as spacedModule from './spaced';",
        "import './side-effect';",
        "import type { Shape } from './types';",
        "import { shared } from './shared';",
        "const awaited = await import('./with-default');",
        'export const handler = async (): Promise<Shape[]> => {',
        "  const later = await import('./without-default');",
        '  return [',
        '    other(), renamed, spacedModule.spaced, shared("entry"), awaited.default, awaited.extra,',
        "    later.only, String('default' in later ? later.default : 'absent'),",
        "    (await import('./star-only')).spaced, (await import('./common.cjs')).default.common,",
        '    String((globalThis as { sideEffect?: boolean }).sideEffect),',
        '  ].map((value) => ({ value }));',
        '};',
      ].join('\n'),
    });

    // Act
    const bundle = await buildFunctionBundle(join(dir, 'forms.ts'), out);
    const split = await buildFunctionBundle(join(dir, 'forms.ts'), out, {
      folder: 'forms-split',
      without: [INIT_IN_ONE_CHUNK],
    });
    const { handler } = (await import(pathToFileURL(bundle.file).href)) as {
      handler: () => Promise<{ value: string }[]>;
    };
    const values = (await handler()).map(({ value }) => value);

    // Assess
    expect(values).toEqual([
      'other',
      'named',
      'spaced',
      'shared:entry',
      'shared:default',
      'shared:named',
      'shared:spaced',
      'absent',
      'spaced',
      'common',
      'true',
    ]);
    expect(split.initFiles.length).toBeGreaterThan(2);
    expect(bundle.initFiles).toHaveLength(2);
  });
});
