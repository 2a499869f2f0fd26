import { describe, expect, it } from 'vitest';
import { anchorsOf, brokenCitations, readRepoDoc, readRepoFiles, repoPathExists } from '../support/doc-citations';

// Every place that cites documentation: the code folders, the build and CI files, and the pages themselves.
const CODE_FOLDERS = ['functions', 'shared', 'cli', 'local', 'bench', 'deploy', 'test', 'config', '.ci'];
const ROOT_FILES = [
  'README.md',
  'ARCHITECTURE.md',
  'serverless.yml',
  'esbuild.config.cjs',
  'vitest.config.ts',
  'package.json',
];

describe('documentation citations', () => {
  it('resolve everywhere: cited files and sections exist, relative links and their anchors resolve', () => {
    // Prepare
    const docs = readRepoFiles(['docs'], []);
    const files = [...readRepoFiles(CODE_FOLDERS, ROOT_FILES), ...docs];

    // Act
    const { checked, broken } = brokenCitations(files, readRepoDoc, repoPathExists);

    // Assess: the scan found the citations (a pattern that matched nothing would pass vacuously)
    expect(docs.length).toBeGreaterThanOrEqual(10);
    expect(checked).toBeGreaterThanOrEqual(100);
    expect(broken).toEqual([]);
  });

  it('reports a made-up file, section, anchor or path, and the old README form, but not a real citation', () => {
    // Prepare: the citations are assembled so this file's own text cites nothing made up.
    const md = '.md';
    const readme = 'README';
    const source = {
      path: 'shared/example/made-up.ts',
      text: [
        `// see docs/observability${md} "Reason codes" (real)`,
        `// see docs/observability${md} "Reason codez"`,
        `// see docs/nowhere${md}`,
        `/** wrapped: ARCHITECTURE${md} "Imports run\n * one way" (real) */`,
        `// ${readme} "Metrics"`,
      ].join('\n'),
    };
    const page = {
      path: `docs/made-up${md}`,
      text: [
        `[real](claims${md}) and [real anchor](observability${md}#reason-codes)`,
        `[bad anchor](claims${md}#no-such-heading) [bad file](missing${md}) [up](../../outside${md})`,
        '`shared/runtime/errors.ts` is real; `shared/runtime/no-such-file.ts` is not; `test/unit/*.test.ts` is a pattern',
        '```sh',
        '[in a code block](not-checked.md)',
        '```',
      ].join('\n'),
    };

    // Act
    const { checked, broken } = brokenCitations([source, page], readRepoDoc, repoPathExists);

    // Assess: 4 file citations, 1 old form, 5 links, 2 paths checked (the pattern and the fenced link are not)
    expect(checked).toBe(12);
    expect(broken).toEqual([
      { in: source.path, cites: `docs/observability${md} "Reason codez"`, problem: 'no such section' },
      { in: source.path, cites: `docs/nowhere${md}`, problem: 'no such file' },
      { in: source.path, cites: `${readme}${md} "Metrics"`, problem: 'no such section' },
      { in: page.path, cites: `claims${md}#no-such-heading`, problem: 'no such anchor' },
      { in: page.path, cites: `missing${md}`, problem: 'no such file' },
      { in: page.path, cites: `../../outside${md}`, problem: 'outside the repository' },
      { in: page.path, cites: 'shared/runtime/no-such-file.ts', problem: 'no such path' },
    ]);
  });

  it('anchors follow GitHub: punctuation and backticks dropped, spaces hyphenated, repeats numbered', () => {
    // Prepare
    const markdown =
      '# The `tenants` CLI\n## Checking a pool: `tenants doctor`\n```\n# not a heading\n```\n## Limits\n## Limits\n';

    // Act
    const anchors = anchorsOf(markdown);

    // Assess
    expect([...anchors]).toEqual(['the-tenants-cli', 'checking-a-pool-tenants-doctor', 'limits', 'limits-1']);
  });

  it('keeps the README a front door: at most 300 lines, linking every page of docs/', () => {
    // Prepare
    const readme = readRepoDoc('README.md') ?? '';
    const pages = readRepoFiles(['docs'], []).map((page) => page.path);

    // Act
    const unlinked = pages.filter((page) => !readme.includes(`](${page})`));

    // Assess
    expect(readme.split('\n').length).toBeLessThanOrEqual(300);
    expect(pages.length).toBeGreaterThanOrEqual(10);
    expect(unlinked).toEqual([]);
  });
});
