/**
 * Builds a Lambda bundle exactly as serverless-esbuild does (the options of esbuild.config.cjs), for the tests
 * that inspect bundles and for the cold-start benchmark: what they look at is what is deployed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const esbuildOptions = (
  createRequire(import.meta.url)(join(root, 'esbuild.config.cjs')) as { esbuildOptions: () => object }
).esbuildOptions;

/** The entry files of the deployed functions, `functions/*.ts`, sorted. */
export function functionEntries(): string[] {
  const dir = join(root, 'functions');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ts'))
    .sort()
    .map((file) => join(dir, file));
}

/** A built bundle: its entry file and every file esbuild wrote for it (entry, chunks, source maps). */
export interface FunctionBundle {
  readonly name: string;
  /** The `.mjs` file Lambda loads. */
  readonly file: string;
  /** Bytes of what a cold start loads: the entry file and the chunks it imports statically (`initFiles`). */
  readonly bytes: number;
  /** Bytes of all JavaScript it may load: the entry file and its on-demand chunks. */
  readonly totalBytes: number;
  /** The JavaScript files (entry and chunks). */
  readonly jsFiles: readonly string[];
  /** The files a cold start loads, from esbuild's metafile: the entry file and the chunks it imports statically. */
  readonly initFiles: readonly string[];
  /**
   * Bytes of `initFiles` by where they come from, from esbuild's metafile (`bytesInOutput` of each input):
   * an npm package (`@aws-sdk/client-dynamodb`, `@smithy/*` grouped by package) or `suite` (this repository).
   */
  readonly bytesBySource: ReadonlyMap<string, number>;
}

/** Variations of a build for benchmarks: more esbuild plugins, and the folder under `outdir` (default: the name). */
export interface BundleVariant {
  readonly plugins?: Plugin[];
  /** Deployed plugins (esbuild.config.cjs) left out, by name: a control build for a test of what one does. */
  readonly without?: readonly string[];
  readonly folder?: string;
}

/**
 * Bundles `entry` into `outdir/<name>/<name>.mjs` (chunks beside it) with the deployed esbuild options.
 * Packages resolve from this repository's node_modules, so an entry may live outside it (a temp folder).
 */
export async function buildFunctionBundle(
  entry: string,
  outdir: string,
  variant: BundleVariant = {},
): Promise<FunctionBundle> {
  const name = basename(entry).replace(/\.[^.]+$/, '');
  const dir = join(outdir, variant.folder ?? name);
  const options = esbuildOptions() as { plugins?: Plugin[] };
  const result = await build({
    ...options,
    metafile: true,
    entryPoints: [entry],
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    logLevel: 'error',
    nodePaths: [join(root, 'node_modules')],
    // The deployed plugins (e.g. cedar-wasm beside its chunk) first, then the variant's.
    plugins: [
      ...(options.plugins ?? []).filter((plugin) => !variant.without?.includes(plugin.name)),
      ...(variant.plugins ?? []),
    ],
  });
  const jsFiles = (readdirSync(dir, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.mjs'))
    .map((file) => join(dir, file));
  const file = join(dir, `${name}.mjs`);
  const totalBytes = jsFiles.reduce((sum, js) => sum + statSync(js).size, 0);
  const outputs = result.metafile.outputs;
  const entryOutput = Object.keys(outputs).find((path) => path.endsWith(`${name}.mjs`));
  // The entry's static imports, followed through the chunks: what Node loads before the handler exists.
  const init = new Set<string>();
  const pending = entryOutput === undefined ? [] : [entryOutput];
  for (let output = pending.pop(); output !== undefined; output = pending.pop()) {
    if (init.has(output)) continue;
    init.add(output);
    for (const imported of outputs[output]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) pending.push(imported.path);
    }
  }
  const cwd = process.cwd();
  const initFiles = [...init].map((output) => resolve(cwd, output));
  const bytesBySource = new Map<string, number>();
  for (const output of init) {
    for (const [input, { bytesInOutput }] of Object.entries(outputs[output]?.inputs ?? {})) {
      const source = packageOf(input);
      bytesBySource.set(source, (bytesBySource.get(source) ?? 0) + bytesInOutput);
    }
  }
  const bytes = initFiles.reduce((sum, js) => sum + statSync(js).size, 0);
  return { name, file, bytes, totalBytes, jsFiles, initFiles, bytesBySource };
}

/** The npm package an esbuild input path belongs to (`node_modules/@scope/name/…`), else `suite`. */
function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at === -1) return 'suite';
  const [first = '', second = ''] = input.slice(at + 'node_modules/'.length).split('/');
  return first.startsWith('@') ? `${first}/${second}` : first;
}

/**
 * The original identifiers of a bundle, from its source maps' `names` (minification renames them in the code,
 * the maps keep them): how a test tells which SDK commands a bundle carries.
 */
export function bundleIdentifiers(bundle: FunctionBundle): Set<string> {
  const names = new Set<string>();
  for (const js of bundle.jsFiles) {
    const map = JSON.parse(readFileSync(`${js}.map`, 'utf8')) as { names?: string[] };
    for (const name of map.names ?? []) names.add(name);
  }
  return names;
}
