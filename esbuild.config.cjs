'use strict';
/**
 * esbuild options for every Lambda bundle: used by serverless-esbuild (`custom.esbuild.config` in
 * serverless.yml) and by the cold-start benchmark, so what is measured is what is deployed.
 *
 * - ESM, minified, tree-shaken, with source maps beside each file. The functions run without
 *   --enable-source-maps (it costs every cold start); the logger reads a map when it writes a stack
 *   (shared/runtime/mapped-stack.ts, docs/deploy.md "What gets deployed").
 * - The few @aws-sdk clients used are bundled: that starts faster than loading the runtime's full copy.
 * - mainFields module,main: the SDK's ES builds cut a bundled DynamoDB client by ~20 ms init and ~200 KB.
 * - conditions: the workspace package @cognito-tenancy/tenant-context is bundled from its sources.
 * - The banner gives CommonJS dependencies (Powertools Tracer → aws-xray-sdk-core) a `require` in ESM.
 * - The SDK's default credential chain imports its SSO, INI, process, web-identity and login providers (and
 *   the STS/SSO clients they use) on demand only. Lambda puts the function's credentials in the environment,
 *   so the chain stops at `fromEnv` and those modules never load; left out of the bundle they cost nothing
 *   (~110 KB and ~15 ms of parsing per SDK client here). Outside Lambda they resolve from node_modules.
 */
const { copyFileSync, readFileSync, realpathSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');

/**
 * cedar-wasm's `web` build takes its WebAssembly bytes from the caller (shared/cedar/engines/cedar-module.ts reads
 * them from beside itself). This copies the file next to the chunk that holds that module. That module is only
 * ever imported on demand, so it sits in a chunk of its own function: a bundle that never decides never
 * carries the 4 MB file, and one that decides loads it at its first decision, not at cold start.
 */
const CEDAR_WASM = join(dirname(require.resolve('@cedar-policy/cedar-wasm/nodejs')), 'cedar_wasm_bg.wasm');
const cedarWasmBesideCode = {
  name: 'cedar-wasm-beside-code',
  setup(build) {
    build.initialOptions.metafile = true;
    const cwd = build.initialOptions.absWorkingDir ?? process.cwd();
    build.onEnd((result) => {
      for (const [output, meta] of Object.entries(result.metafile?.outputs ?? {})) {
        if (!Object.keys(meta.inputs).some((input) => input.endsWith('shared/cedar/engines/cedar-module.ts'))) continue;
        // Chunk names start with `chunks/` (chunkNames below); anything else is a function's own entry file.
        if (!/(^|\/)chunks\//.test(output)) {
          throw new Error(`${output} holds the Cedar engine: a function must load it with import() on first use`);
        }
        copyFileSync(CEDAR_WASM, join(dirname(resolve(cwd, output)), 'cedar_wasm_bg.wasm'));
      }
    });
  },
};

/**
 * Everything a function loads at cold start in one chunk. With `splitting`, esbuild puts each module in a chunk
 * per set of entry points that reach it, and every `import()` target is an entry point: the modules a function's
 * entry shares with different subsets of its on-demand targets (the SDK core, the suite's errors…) split into
 * many small chunks, and Node's ESM loader costs about 1 ms per file at cold start (the documents function
 * loaded 22 files at init; docs/benchmarks.md). So each on-demand target is reached through a small
 * wrapper module that re-exports it and also imports what the entry file imports: every module the entry loads
 * is then reached by every entry point alike and lands in one chunk, beside the entry's own file, while what only
 * on-demand code needs stays out of the cold start. The wrapper's imports cost nothing at run time: on-demand
 * code loads after the entry's imports have run, and ES modules evaluate once. The wrapper imports the entry's
 * imports, not the entry: an entry awaiting an `import()` at top level (functions/documents.ts) would otherwise
 * wait on itself. Only single-entry builds (serverless-esbuild builds each function alone) are changed: with
 * several entries the chunk would hold all of them. What an on-demand module's namespace shows changes slightly:
 * it also has the `__initChunk<n>` names `importsOf` exports.
 * test/integration/bundles.test.ts checks every function, the SDK's own on-demand code, and every import form.
 */
const LAZY_WRAPPER = 'init-in-one-chunk';
const WRAPPER_SUFFIX = `?${LAZY_WRAPPER}`;
const SKIP = Symbol(LAZY_WRAPPER);
const initInOneChunk = {
  name: LAZY_WRAPPER,
  setup(build) {
    const entries = build.initialOptions.entryPoints;
    if (!Array.isArray(entries) || entries.length !== 1 || typeof entries[0] !== 'string') return;
    const entry = resolve(build.initialOptions.absWorkingDir ?? process.cwd(), entries[0]);
    let entryImports = '';
    build.onStart(async () => {
      entryImports = await importsOf(build.esbuild, entry);
    });
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData === SKIP) return undefined;
      const target = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: SKIP,
      });
      if (target.errors.length > 0 || target.external || target.namespace !== 'file') return undefined;
      return { path: target.path, suffix: WRAPPER_SUFFIX };
    });
    build.onLoad({ filter: /.*/ }, async (args) => {
      if (args.suffix !== WRAPPER_SUFFIX) return undefined;
      const target = JSON.stringify(args.path);
      // `default` is re-exported by name (`export *` leaves it out), unless the target is an ES module without
      // one: re-exporting it then made esbuild warn at every build (import-is-undefined), and the namespace show a
      // `default` no plain import would (CommonJS is listed with one). A module whose exports esbuild cannot list
      // without bundling (only `export * from`) gets it through its namespace, as before: undefined there.
      const names = await exportsOf(build.esbuild, args.path);
      const reexportDefault = names.includes('default')
        ? `export { default } from ${target};\n`
        : names.length === 0
          ? `import * as __initChunkTarget from ${target};\nexport default __initChunkTarget.default;\n`
          : '';
      return {
        contents: `export * from ${target};\n${reexportDefault}${entryImports}`,
        loader: 'js',
        // The entry's imports are written as in the entry file; the target's path is absolute.
        resolveDir: dirname(entry),
      };
    });
  },
};

/** The names an ES module exports, as esbuild's metafile lists them (none for a CommonJS file). */
async function exportsOf(esbuild, file) {
  const result = await esbuild.build({
    entryPoints: [file],
    bundle: false,
    write: false,
    metafile: true,
    format: 'esm',
    outdir: dirname(file),
    logLevel: 'silent',
  });
  return Object.values(result.metafile.outputs).flatMap((output) => output.exports);
}

/**
 * The entry file's import declarations, types removed, and an export of every binding they make: a module with
 * this text imports what the entry imports and uses it as the entry does (a bare `import 'pkg'` of a package
 * marked `sideEffects: false` would be dropped), under names no module exports (`__initChunk<n>`).
 */
async function importsOf(esbuild, file) {
  const loader = file.endsWith('.ts') || file.endsWith('.mts') ? 'ts' : 'js';
  const { code } = await esbuild.transform(readFileSync(file, 'utf8'), { loader, format: 'esm', target: 'esnext' });
  const lines = [];
  const bindings = [];
  // esbuild prints each import declaration on one line: `import d, { a, b as c } from "x";`, `import * as n from
  // "y";` or `import "z";`.
  for (const line of code.split('\n')) {
    const declaration = /^import\s+(.*?)\s*from\s*("(?:[^"\\]|\\.)*");$/.exec(line);
    if (declaration === null) {
      if (/^import\s*"/.test(line)) lines.push(line);
      continue;
    }
    lines.push(line);
    const [, clause] = declaration;
    const named = /\{([^}]*)\}/.exec(clause);
    for (const specifier of named?.[1].split(',') ?? []) {
      const local = specifier
        .trim()
        .split(/\s+as\s+/)
        .at(-1);
      if (local) bindings.push(local);
    }
    for (const part of clause.replace(/\{[^}]*\}/, '').split(',')) {
      const local = part.trim().replace(/^\*\s*as\s+/, '');
      if (local) bindings.push(local);
    }
  }
  const exported = bindings.map((local, index) => `${local} as __initChunk${index}`).join(', ');
  return `${lines.join('\n')}\n${bindings.length > 0 ? `export { ${exported} };\n` : ''}`;
}

/**
 * The bundled route rules, validated when the bundle is built. shared/authorizer/bundled-route-rules.ts validates
 * config/routes.json when it is imported; here it is bundled on its own with the build's esbuild, evaluated, and
 * replaced by its value. A route file that does not validate, or is not JSON, fails the build with the
 * validation's message, not the authorizer's cold start, and no cold start parses the rules again (only their
 * tiers and groups are checked there, being configuration). Paths are compared resolved (symlinked checkouts, a
 * drive letter's case), and a module of that name that is not this one fails the build rather than quietly going
 * unchecked. `routesFile` stands in for config/routes.json in tests.
 */
const BUNDLED_ROUTE_RULES = join(__dirname, 'shared', 'authorizer', 'bundled-route-rules.ts');
const ROUTES_FILE = join(__dirname, 'config', 'routes.json');
function bundledRouteRulesAtBuild(routesFile = ROUTES_FILE) {
  return {
    name: 'bundled-route-rules',
    setup(build) {
      const ours = realpathSync.native(BUNDLED_ROUTE_RULES);
      build.onLoad({ filter: /[\\/]bundled-route-rules\.ts$/ }, async (args) => {
        if (realpathSync.native(args.path) !== ours) {
          return { errors: [{ text: `${args.path} is not ${BUNDLED_ROUTE_RULES}: cannot validate the route rules` }] };
        }
        const routesFileOnly = {
          name: 'routes-file',
          setup(inner) {
            inner.onResolve({ filter: /[\\/]config[\\/]routes\.json$/ }, () => ({ path: routesFile }));
          },
        };
        // esbuild's own errors (a file that is not JSON) carry their location; a validation error its message.
        const reason = (error) =>
          Array.isArray(error.errors) && error.errors.length > 0
            ? error.errors
                .map(
                  ({ location, text }) =>
                    (location ? `${location.file}:${location.line}:${location.column}: ` : '') + text,
                )
                .join('; ')
            : error.message;
        const failed = (error) => ({
          errors: [{ text: `invalid route rules: ${reason(error)}` }],
          watchFiles: [routesFile],
        });
        let code;
        try {
          const result = await build.esbuild.build({
            entryPoints: [args.path],
            bundle: true,
            write: false,
            format: 'cjs',
            platform: 'node',
            target: 'node20',
            conditions: options.conditions,
            logLevel: 'silent',
            plugins: [routesFileOnly],
          });
          code = result.outputFiles[0].text;
        } catch (error) {
          // A route file that is not JSON, or missing: esbuild's own message names the file and the position.
          return failed(error);
        }
        const module = { exports: {} };
        try {
          new Function('module', 'exports', 'require', code)(module, module.exports, require);
        } catch (error) {
          return failed(error);
        }
        // JSON.parse of a string literal: V8 reads it faster than the same object as a literal.
        const value = JSON.stringify(JSON.stringify(module.exports.bundledRouteRules));
        return {
          contents: `export const bundledRouteRules = JSON.parse(${value});\n`,
          loader: 'js',
          watchFiles: [routesFile],
        };
      });
    },
  };
}

const options = {
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: true,
  // Stack traces need file/line mappings only; embedded sources would double the map that Node parses.
  sourcesContent: false,
  treeShaking: true,
  // Code loaded on demand (the tracer) goes to its own chunk, parsed only when imported.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  mainFields: ['module', 'main'],
  // Workspace packages (packages/) are bundled from their TypeScript sources, as tsconfig.json and vitest.config.ts
  // resolve them; `module` is the condition esbuild applies by default and drops once conditions are set.
  conditions: ['cognito-tenancy-source', 'module'],
  external: [
    '@aws-sdk/credential-provider-ini',
    '@aws-sdk/credential-provider-login',
    '@aws-sdk/credential-provider-process',
    '@aws-sdk/credential-provider-sso',
    '@aws-sdk/credential-provider-web-identity',
    '@aws-sdk/nested-clients',
    '@aws-sdk/token-providers',
    // pg's optional native binding (libpq), required only by `pg.native`, which the suite never uses.
    'pg-native',
  ],
  banner: {
    js: "import { createRequire as __tenancyCreateRequire } from 'node:module'; const require = __tenancyCreateRequire(import.meta.url);",
  },
};

/** Plain esbuild options (the cold-start benchmark builds with these). */
const esbuildOptions = () => ({
  ...options,
  external: [...options.external],
  banner: { ...options.banner },
  plugins: [cedarWasmBesideCode, initInOneChunk, bundledRouteRulesAtBuild()],
});

/**
 * serverless-esbuild builds every function separately into one folder; chunk files of one function would land
 * beside another's and be zipped with it. This puts each function's chunks in `chunks/<function file>/`, and
 * serverless.yml's per-function `package.patterns` keep only a function's own chunks in its zip.
 */
const chunksPerFunction = {
  name: 'chunks-per-function',
  setup(build) {
    const [entry] = build.initialOptions.entryPoints ?? [];
    if (typeof entry !== 'string') return;
    const name = entry
      .split('/')
      .at(-1)
      .replace(/\.[^.]+$/, '');
    build.initialOptions.chunkNames = `chunks/${name}/[name]-[hash]`;
  },
};

/**
 * serverless-esbuild reads only this file when `custom.esbuild.config` names it, so its own options live here
 * too. `exclude`: its default (`aws-sdk`) would leave the SDK v2 out; the SDK v3 clients are bundled here. What
 * is `external` (never loaded on Lambda, above) is excluded as well: serverless-esbuild would otherwise look for
 * those modules to copy into every zip, find none among the dependencies, and warn "No external modules needed"
 * at every package (esbuild's external list is unchanged: it is `external` plus `exclude`). `.mjs`: Node runs
 * it as ESM without a package.json.
 */
module.exports = () => ({
  ...esbuildOptions(),
  plugins: [chunksPerFunction, cedarWasmBesideCode, initInOneChunk, bundledRouteRulesAtBuild()],
  exclude: [...options.external],
  outputFileExtension: '.mjs',
  // serverless-esbuild deletes its work folder after packaging; concurrent runs (the local stack and a package,
  // say) each get their own so that neither removes the other's bundles.
  outputWorkFolder: process.env.SLS_ESBUILD_WORK_FOLDER || '.esbuild',
});
module.exports.esbuildOptions = esbuildOptions;
module.exports.bundledRouteRulesAtBuild = bundledRouteRulesAtBuild;
