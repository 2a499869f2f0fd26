'use strict';
/**
 * esbuild options for every Lambda bundle: used by serverless-esbuild (`custom.esbuild.config` in
 * serverless.yml) and by the cold-start benchmark, so what is measured is what is deployed.
 *
 * - ESM, minified, tree-shaken, with source maps. Node reads them only with --enable-source-maps
 *   (serverless.yml `nodeOptions`), which costs cold start: see docs/deploy.md "What gets deployed".
 * - The few @aws-sdk clients used are bundled: that starts faster than loading the runtime's full copy.
 * - mainFields module,main: the SDK's ES builds cut a bundled DynamoDB client by ~20 ms init and ~200 KB.
 * - conditions: the workspace package @cognito-tenancy/tenant-context is bundled from its sources.
 * - The banner gives CommonJS dependencies (Powertools Tracer → aws-xray-sdk-core) a `require` in ESM.
 * - The SDK's default credential chain imports its SSO, INI, process, web-identity and login providers (and
 *   the STS/SSO clients they use) on demand only. Lambda puts the function's credentials in the environment,
 *   so the chain stops at `fromEnv` and those modules never load; left out of the bundle they cost nothing
 *   (~110 KB and ~15 ms of parsing per SDK client here). Outside Lambda they resolve from node_modules.
 */
const { copyFileSync } = require('node:fs');
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
  plugins: [cedarWasmBesideCode],
});

/**
 * serverless-esbuild reads only this file when `custom.esbuild.config` names it, so its own options live here
 * too: bundle the SDK clients (`exclude: []`) and emit `.mjs`, which Node runs as ESM without a package.json.
 */
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

module.exports = () => ({
  ...esbuildOptions(),
  plugins: [chunksPerFunction, cedarWasmBesideCode],
  exclude: [],
  outputFileExtension: '.mjs',
  // serverless-esbuild deletes its work folder after packaging; concurrent runs (the local stack and a package,
  // say) each get their own so that neither removes the other's bundles.
  outputWorkFolder: process.env.SLS_ESBUILD_WORK_FOLDER || '.esbuild',
});
module.exports.esbuildOptions = esbuildOptions;
