import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { transform } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildFunctionBundle } from '../../local/function-bundle';
import { mapStack } from '../../shared/runtime/mapped-stack';

const root = join(__dirname, '..', '..');

describe('Logged stack traces name the TypeScript source without --enable-source-maps', () => {
  let out: string;

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'tenancy-mapped-stack-'));
  });

  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  it('writes the TypeScript file and line of every frame in a deployed bundle, entry file and chunk alike', async () => {
    // Prepare: a function built with the deployed options whose error is thrown in an on-demand chunk and logged by
    // the suite's logger, run in a fresh Node process without --enable-source-maps, as deployed.
    const dir = join(out, 'logging');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'explode.ts'), "export function explode(): never {\n  throw new Error('boom');\n}\n");
    writeFileSync(
      join(dir, 'logging.ts'),
      [
        `import { JsonLogger } from ${JSON.stringify(join(root, 'shared', 'runtime', 'json-logger'))};`,
        'export async function handler(): Promise<{ logged: string; raw: string }> {',
        "  let logged = '';",
        "  const logger = new JsonLogger({ service: 'test', logLevel: 0 }, { writeError: (line) => { logged += line; } });",
        "  const { explode } = await import('./explode');",
        '  try {',
        '    explode();',
        '  } catch (error) {',
        "    logger.error('failed', { error });",
        "    return { logged, raw: (error as Error).stack ?? '' };",
        '  }',
        "  return { logged, raw: '' };",
        '}',
        '',
      ].join('\n'),
    );
    const bundle = await buildFunctionBundle(join(dir, 'logging.ts'), out);
    const run =
      'const { handler } = await import(process.argv[1]); process.stdout.write(JSON.stringify(await handler()));';

    // Act
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', run, pathToFileURL(bundle.file).href],
      { env: { PATH: process.env.PATH ?? '' } },
    );
    const { logged, raw } = JSON.parse(stdout) as { logged: string; raw: string };
    const line = JSON.parse(logged) as { level: string; error: { message: string; stack: string } };

    // Assess: the error's own stack points into the minified bundle files; the logged one into the sources.
    expect(raw).toMatch(/chunks\/explode-[A-Z0-9]+\.mjs:\d+:\d+/);
    expect(raw).toMatch(/logging\.mjs:\d+:\d+/);
    expect(line.level).toBe('ERROR');
    expect(line.error.message).toBe('boom');
    expect(line.error.stack).toContain(`${join(dir, 'explode.ts')}:2:`);
    expect(line.error.stack).toContain(`${join(dir, 'logging.ts')}:7:`);
    expect(line.error.stack).not.toMatch(/\.mjs:\d+:\d+/);
  });

  describe('mapStack', () => {
    let code: string;
    let url: string;

    beforeAll(async () => {
      // A bundle file and its map, as esbuild writes them.
      const source =
        'export function explode(): never {\n  const reason: string = "boom";\n  throw new Error(reason);\n}\n';
      const built = await transform(source, {
        loader: 'ts',
        format: 'esm',
        minify: true,
        sourcemap: 'external',
        sourcefile: 'src/explode.ts',
      });
      code = built.code;
      const file = join(out, 'unit', 'explode.mjs');
      mkdirSync(join(out, 'unit'), { recursive: true });
      writeFileSync(file, code);
      writeFileSync(`${file}.map`, built.map);
      url = pathToFileURL(file).href;
    });

    /** The 1-based line and column of the first `text` in the built code. */
    function position(text: string): { line: number; column: number } {
      const before = code.slice(0, code.indexOf(text)).split('\n');
      return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
    }

    it('maps a named frame and an anonymous frame of a bundle file to the TypeScript line, keeping the rest of the line', () => {
      // Prepare
      const at = position('throw');
      const stack = [
        'Error: boom',
        `    at Yh (${url}:${at.line}:${at.column})`,
        `    at ${url}:${at.line}:${at.column}`,
        '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      ].join('\n');

      // Act
      const mapped = mapStack(stack);

      // Assess
      const source = join(out, 'unit', 'src', 'explode.ts');
      expect(mapped.split('\n')).toEqual([
        'Error: boom',
        `    at Yh (${source}:3:3)`,
        `    at ${source}:3:3`,
        '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      ]);
    });

    it('leaves a stack without bundle frames exactly as it is', () => {
      // Prepare
      const stack = 'Error: boom\n    at explode (/var/task/src/explode.ts:3:9)\n    at node:internal/main:1:1';

      // Act
      const mapped = mapStack(stack);

      // Assess
      expect(mapped).toBe(stack);
    });

    it('leaves a location in the message alone: only frame lines are read', () => {
      // Prepare: text from anywhere (a user's input in a message) naming a bundle file.
      const at = position('throw');
      const stack = `Error: bad input ${url}:${at.line}:${at.column}\n    at node:internal/main:1:1`;

      // Act
      const mapped = mapStack(stack);

      // Assess
      expect(mapped).toBe(stack);
    });

    it('reads the maps of at most 32 files in a container and leaves frames of any further file as they are', async () => {
      // Prepare: a module instance of its own, whose cache has seen 32 files already (none with a map).
      vi.resetModules();
      const fresh = (await import('../../shared/runtime/mapped-stack')).mapStack;
      vi.resetModules();
      const control = (await import('../../shared/runtime/mapped-stack')).mapStack;
      for (let i = 0; i < 32; i++)
        fresh(`Error\n    at f (${pathToFileURL(join(out, 'unit', `missing-${i}.mjs`)).href}:1:1)`);
      const at = position('throw');
      const stack = `Error: boom\n    at Yh (${url}:${at.line}:${at.column})`;

      // Act
      const capped = fresh(stack);
      const mapped = control(stack);

      // Assess
      expect(capped).toBe(stack);
      expect(mapped).toContain(`${join(out, 'unit', 'src', 'explode.ts')}:3:3`);
    });

    it('leaves a frame as it is when its file has no map, an unreadable map, or no mapping at that position', () => {
      // Prepare
      const noMap = join(out, 'unit', 'no-map.mjs');
      writeFileSync(noMap, code);
      const broken = join(out, 'unit', 'broken.mjs');
      writeFileSync(broken, code);
      writeFileSync(`${broken}.map`, '{"version": 3, "mappings": ');
      const frames = [
        `    at a (${pathToFileURL(noMap).href}:1:5)`,
        `    at b (${pathToFileURL(broken).href}:1:5)`,
        `    at c (${url}:999:1)`,
      ];
      const stack = ['Error: boom', ...frames].join('\n');

      // Act
      const first = mapStack(stack);
      const again = mapStack(stack);

      // Assess
      expect(first).toBe(stack);
      expect(again).toBe(stack);
    });
  });
});
