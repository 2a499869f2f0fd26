import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// ARCHITECTURE.md "Folder map" against the tree: what the map names exists, and what exists is named.
const root = join(import.meta.dirname, '..', '..');
const architecture = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');

/**
 * The folders the map's code block names: top-level ones, the ones indented under shared/, and the sub-folders
 * indented under one of those (as `concern/sub`).
 */
function folderMap(markdown: string): { topLevel: string[]; shared: string[]; nested: string[] } {
  const section = markdown.slice(markdown.indexOf('## Folder map'));
  const block = /```\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const topLevel = [...block.matchAll(/^([a-z.][\w.-]*)\/ /gm)].map((m) => m[1] as string);
  const shared: string[] = [];
  const nested: string[] = [];
  for (const line of block.split('\n')) {
    const concern = /^ {2}([a-z][\w-]*)\/ /.exec(line)?.[1];
    const sub = /^ {4}([a-z][\w-]*)\/ /.exec(line)?.[1];
    if (concern !== undefined) shared.push(concern);
    if (sub !== undefined) nested.push(`${shared.at(-1)}/${sub}`);
  }
  return { topLevel, shared, nested };
}

const directories = (folder: string): string[] =>
  readdirSync(join(root, folder)).filter((name) => statSync(join(root, folder, name)).isDirectory());

/** Top-level folders that are not part of the source tree: hidden ones and what .gitignore lists. */
const ignored = new Set(
  readFileSync(join(root, '.gitignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim().replace(/^\//, '').replace(/\/$/, ''))
    .filter((line) => line !== '' && !line.includes('*')),
);

describe('ARCHITECTURE.md folder map', () => {
  it('names every top-level folder of the repository and every folder under shared/, and only those', () => {
    // Prepare
    const map = folderMap(architecture);

    // Act
    const topLevel = directories('.').filter((name) => !name.startsWith('.') && !ignored.has(name));
    const shared = directories('shared');
    const nested = shared.flatMap((concern) => directories(`shared/${concern}`).map((sub) => `${concern}/${sub}`));

    // Assess
    expect(map.topLevel.length).toBeGreaterThan(5);
    expect([...map.topLevel].sort()).toEqual([...topLevel].sort());
    expect([...map.shared].sort()).toEqual([...shared].sort());
    expect([...map.nested].sort()).toEqual([...nested].sort());
  });

  it('names only files of shared/ that exist when it cites one by its concern folder', () => {
    // Prepare: `registry/audit-trail.ts`, `tokens/claim-names`, `cedar/stores/policy-files.ts`, `cedar/sharing/`, …
    // in the prose and the import rules (a trailing `/` cites a folder)
    const concerns = directories('shared');
    const cited = [...architecture.matchAll(/`([a-z-]+)\/([\w./-]+)`/g)]
      .filter((m) => concerns.includes(m[1] as string))
      .map((m) => `${m[1]}/${m[2] as string}`)
      .map((path) => (path.endsWith('/') ? path : `${path.replace(/\.ts$/, '')}.ts`));

    // Act
    const missing = cited.filter((path) => {
      try {
        const found = statSync(join(root, 'shared', path));
        return path.endsWith('/') ? !found.isDirectory() : !found.isFile();
      } catch {
        return true;
      }
    });

    // Assess
    expect(cited.length).toBeGreaterThan(5);
    expect(missing).toEqual([]);
  });
});
