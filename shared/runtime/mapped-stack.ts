/**
 * TypeScript locations in logged stack traces, without `--enable-source-maps`.
 *
 * Node's flag reads and parses the source map of every bundle file as it loads it, and walks the file's text to
 * count its lines: about a fifth of each function's module initialisation here, paid by every cold start
 * whether or not anything is ever logged (docs/deploy.md "What gets deployed"). The functions are deployed
 * without it, and the logger maps the frames of a stack it writes instead: a bundle file's map is read the first
 * time one of its frames is logged, and only then.
 */
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';

// A frame of a bundle file, as V8 writes it for an ES module: `    at f (file:///var/task/…/x.mjs:1:2345)`, or
// without the name and parentheses. Only frame lines are read: an error's message is text from anywhere.
const BUNDLE_FRAME = /^(\s+at (?:.*\()?)(file:\/\/\/[^\s()]+\.mjs):(\d+):(\d+)(\)?)$/gm;
// Maps kept at most: a function has a few bundle files; anything more is not worth memory.
const MAX_MAPS = 32;

/** Each bundle file's map, parsed on first use; `null`: it has none that could be read (asked once). */
const maps = new Map<string, SourceMap | null>();

/**
 * `stack` with each frame in a bundle file (`.mjs`) pointing at the TypeScript file, line and column its source
 * map (`<file>.map`, as esbuild writes it) gives, as `--enable-source-maps` writes them. Frames without a
 * readable map or a mapping stay as they are; never throws.
 */
export function mapStack(stack: string): string {
  if (!stack.includes('.mjs:')) return stack;
  return stack.replace(
    BUNDLE_FRAME,
    (frame: string, before: string, url: string, line: string, column: string, after: string) => {
      try {
        const map = sourceMapOf(url);
        const entry = map?.findEntry(Number(line) - 1, Number(column) - 1);
        // `findEntry` answers the nearest mapping before the position, which may be on an earlier line.
        if (entry === undefined || !('originalSource' in entry) || entry.generatedLine !== Number(line) - 1) {
          return frame;
        }
        const source = fileURLToPath(new URL(entry.originalSource, url));
        return `${before}${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}${after}`;
      } catch {
        return frame;
      }
    },
  );
}

function sourceMapOf(url: string): SourceMap | null {
  let map = maps.get(url);
  if (map === undefined) {
    if (maps.size >= MAX_MAPS) return null;
    try {
      map = new SourceMap(JSON.parse(readFileSync(new URL(`${url}.map`), 'utf8')) as SourceMapPayload);
    } catch {
      map = null;
    }
    maps.set(url, map);
  }
  return map;
}
