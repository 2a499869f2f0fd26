/**
 * `npm run bench [-- [--quick] name…]`: runs every `bench/*.bench.ts` (or the named ones) in this process, one after
 * another. Each bench module exports `default async function run(): Promise<void>` that prints its figures.
 * Figures are ratios against a baseline measured in the same run: the machines are shared and noisy.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
// `--quick`: smaller data sets and fewer rounds (bench/options.ts), for a busy machine.
if (args.includes('--quick')) process.env.BENCH_QUICK = '1';
const wanted = args.filter((arg) => !arg.startsWith('--'));
const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => wanted.length === 0 || wanted.some((name) => file.startsWith(name)))
  .sort();

for (const file of files) {
  console.log(`\n# ${file}`);
  const module = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<void> };
  await module.default();
}
