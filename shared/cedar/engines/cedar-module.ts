import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The cedar-wasm API the suite uses. */
export type Cedar = typeof import('@cedar-policy/cedar-wasm/web');

/** The WebAssembly file of cedar-wasm; the Lambda bundle carries it beside the chunk holding this module. */
const CEDAR_WASM_FILE = 'cedar_wasm_bg.wasm';

let loading: Cedar | undefined;

/**
 * Loads cedar-wasm on first use (~40 ms, 4 MB of WebAssembly), never at import: functions that do not decide
 * must not pay for it. The `web` build is used because it takes the module bytes from the caller, so the
 * bundle decides where the file lives: beside this code once bundled (esbuild.config.cjs copies it there),
 * else in node_modules (tests, CLI, local stack).
 */
export async function loadCedar(): Promise<Cedar> {
  if (loading !== undefined) return loading;
  const cedar = await import('@cedar-policy/cedar-wasm/web');
  cedar.initSync({ module: readFileSync(wasmPath()) });
  loading = cedar;
  return cedar;
}

function wasmPath(): string {
  const beside = join(dirname(fileURLToPath(import.meta.url)), CEDAR_WASM_FILE);
  if (existsSync(beside)) return beside;
  // The `nodejs` build ships the same bytes and, unlike `web`, is exported to `require.resolve`.
  return join(dirname(createRequire(import.meta.url).resolve('@cedar-policy/cedar-wasm/nodejs')), CEDAR_WASM_FILE);
}
