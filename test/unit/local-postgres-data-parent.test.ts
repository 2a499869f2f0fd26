import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataParent } from '../../local/postgres';

describe('dataParent (where the local PostgreSQL keeps its throw-away data)', () => {
  const made: string[] = [];
  const folder = (mode: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'data-parent-'));
    made.push(dir);
    const inner = join(dir, 'temp');
    mkdirSync(inner);
    chmodSync(dir, mode);
    return inner;
  };

  afterEach(() => {
    for (const dir of made.splice(0)) {
      chmodSync(dir, 0o700);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the temp directory when the server runs as the caller, however private it is', () => {
    // Prepare
    const temp = folder(0o700);

    // Act / Assess
    expect(dataParent(undefined, temp)).toBe(temp);
  });

  it('keeps a temp directory every account can reach when the server runs as another account', () => {
    // Prepare
    const temp = folder(0o755);

    // Act / Assess
    expect(dataParent({ uid: 65534 }, temp)).toBe(temp);
  });

  it("moves to /tmp when the server's account cannot traverse a private temp directory (a test's TMPDIR)", () => {
    // Prepare
    const temp = folder(0o700);

    // Act / Assess
    expect(dataParent({ uid: 65534 }, temp)).toBe('/tmp');
  });
});
