import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/**
 * Citations of the documentation, as code comments and pages write them, and what makes one broken.
 *
 * The syntax recognised (README.md "Documentation" states it for authors):
 * - a documentation file: `README.md`, `ARCHITECTURE.md` (an upper-case name at the root) or `docs/<name>.md`,
 *   written from the repository root,
 *   optionally followed by a section: a double-quoted heading text, exactly as the heading is written
 *   (backticks included), e.g. `docs/observability.md "Reason codes"`. A quoted section may wrap across
 *   comment lines (`*`, `//` or `#` continuation).
 * - the old form: `README` (no `.md`) followed by a quoted section, read as a citation of README.md, so a stale
 *   one is reported;
 * - in Markdown files, relative links `[text](path#anchor)` (resolved from the linking file's folder; the
 *   anchor is GitHub's heading slug) and backticked repository paths of files or folders (`shared/runtime/errors.ts`,
 *   `shared/credentials/`), which must exist; a path holding a placeholder (`*`, `…`, `<`, `{`) is a pattern, not a citation.
 */

/** One text file of the repository, by its path from the root (`/` separators). */
export interface RepoFile {
  path: string;
  text: string;
}

/** A citation that does not resolve: where it is, what it cites and why it fails. */
export interface BrokenCitation {
  in: string;
  cites: string;
  problem: string;
}

/** Reads a documentation file by its path from the repository root; undefined when there is none. */
export type DocReader = (path: string) => string | undefined;

const FILE_CITATION = /(?<![\w/.<-])((?:docs\/[a-z0-9-]+|[A-Z][A-Z0-9_-]*)\.md)(?:[ \t]+"([^"]{1,160})")?/g;
const OLD_README_CITATION = /\bREADME[ \t]+"([^"]{1,160})"/g;
const MARKDOWN_LINK = /\[[^\]\n]*\]\(([^)\s]+)\)/g;
const BACKTICKED_PATH =
  /`((?:functions|shared|cli|local|bench|deploy|test|events|config|policies|patches|docs|\.ci)\/[^`\s]*)`/g;
const PLACEHOLDER = /[*…<{]/;
const COMMENT_WRAP = /\s*\n\s*(?:\*|\/\/|#)?\s*/g;

/** The headings of a Markdown text (outside code fences), as written after the `#` marks. */
function headingsOf(markdown: string): string[] {
  const headings: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading?.[1]) headings.push(heading[1]);
  }
  return headings;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen. */
function slugOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown text defines: its headings' slugs, repeats numbered as GitHub numbers them. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const heading of headingsOf(markdown)) {
    const slug = slugOf(heading);
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return anchors;
}

function checkSection(file: RepoFile, cited: string, section: string | undefined, read: DocReader): BrokenCitation[] {
  const target = read(cited);
  const cites = section === undefined ? cited : `${cited} "${section}"`;
  if (target === undefined) return [{ in: file.path, cites, problem: 'no such file' }];
  if (section !== undefined && !headingsOf(target).includes(section)) {
    return [{ in: file.path, cites, problem: 'no such section' }];
  }
  return [];
}

function checkLink(file: RepoFile, link: string, read: DocReader, exists: (path: string) => boolean): BrokenCitation[] {
  if (/^[a-z][a-z0-9+.-]*:/i.test(link)) return []; // https:, mailto: …: not a repository link
  const [pathPart = '', anchor] = link.split('#', 2);
  const target = pathPart === '' ? file.path : normalize(join(dirname(file.path), pathPart)).replace(/\\/g, '/');
  if (target.startsWith('..')) return [{ in: file.path, cites: link, problem: 'outside the repository' }];
  if (!exists(target)) return [{ in: file.path, cites: link, problem: 'no such file' }];
  if (anchor === undefined) return [];
  const markdown = target.endsWith('.md') ? read(target) : undefined;
  if (markdown === undefined || !anchorsOf(markdown).has(anchor)) {
    return [{ in: file.path, cites: link, problem: 'no such anchor' }];
  }
  return [];
}

/**
 * Every citation in `files` that does not resolve: documentation files and sections by `read`, linked and
 * backticked paths by `exists`.
 */
export function brokenCitations(
  files: RepoFile[],
  read: DocReader,
  exists: (path: string) => boolean,
): { checked: number; broken: BrokenCitation[] } {
  const broken: BrokenCitation[] = [];
  let checked = 0;
  for (const file of files) {
    for (const match of file.text.matchAll(FILE_CITATION)) {
      const section = match[2]?.replace(COMMENT_WRAP, ' ');
      checked += 1;
      broken.push(...checkSection(file, match[1] as string, section, read));
    }
    for (const match of file.text.matchAll(OLD_README_CITATION)) {
      checked += 1;
      broken.push(...checkSection(file, 'README.md', (match[1] as string).replace(COMMENT_WRAP, ' '), read));
    }
    if (!file.path.endsWith('.md')) continue;
    const prose = file.text.replace(/^```[\s\S]*?^```/gm, '');
    for (const match of prose.matchAll(MARKDOWN_LINK)) {
      checked += 1;
      broken.push(...checkLink(file, match[1] as string, read, exists));
    }
    for (const match of prose.matchAll(BACKTICKED_PATH)) {
      const path = (match[1] as string).replace(/\/$/, '');
      // A path without an extension or trailing slash is a module name (`cedar/engines/cedar-module`), not a file.
      const isFileOrFolder = /\.[a-z]+$/.test(match[1] as string) || (match[1] as string).endsWith('/');
      if (!isFileOrFolder || PLACEHOLDER.test(path)) continue;
      checked += 1;
      if (!exists(path)) {
        broken.push({ in: file.path, cites: path, problem: 'no such path' });
      }
    }
  }
  return { checked, broken };
}

/** The repository's root folder. */
const REPO_ROOT = join(import.meta.dirname, '..', '..');

const SKIPPED = new Set(['node_modules', 'coverage', '.git', '.serverless', '.esbuild', '.local', '.cognito']);
const TEXT = /\.(ts|cts|mts|js|cjs|mjs|json|yml|yaml|md|cedar|cedarschema)$/;

/** The text files under `folders` (recursively) plus the named `files`, read from the repository. */
export function readRepoFiles(folders: string[], files: string[]): RepoFile[] {
  const found: string[] = [...files];
  const walk = (folder: string): void => {
    for (const name of readdirSync(join(REPO_ROOT, folder))) {
      if (SKIPPED.has(name) || name.startsWith('.esbuild')) continue;
      const path = `${folder}/${name}`;
      if (statSync(join(REPO_ROOT, path)).isDirectory()) walk(path);
      else if (TEXT.test(name)) found.push(path);
    }
  };
  for (const folder of folders) walk(folder);
  return found.map((path) => ({ path, text: readFileSync(join(REPO_ROOT, path), 'utf8') }));
}

/** Reads a documentation file of the repository (undefined when absent). */
export const readRepoDoc: DocReader = (path) => {
  const full = join(REPO_ROOT, path);
  return relative(REPO_ROOT, full).startsWith('..') || !existsSync(full) ? undefined : readFileSync(full, 'utf8');
};

/** Whether a path (file or folder) exists in the repository. */
export const repoPathExists = (path: string): boolean => existsSync(join(REPO_ROOT, path));
