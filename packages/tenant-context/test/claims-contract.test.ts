import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isClaimsVersion, MAX_CLAIMS_VERSION, VERSION_TEXT_PATTERN } from '../src/index.js';

// The one definition of the version range: the suite (shared/tokens/claim-names.ts) reads it from here too, so
// a number and its text must name the same versions.
describe('the claims version range', () => {
  it('accepts as a number exactly the integers from 1 to MAX_CLAIMS_VERSION', () => {
    // Prepare
    const candidates = Array.from({ length: MAX_CLAIMS_VERSION + 3 }, (_, index) => index - 1);

    // Act
    const accepted = candidates.filter((value) => isClaimsVersion(value));

    // Assess
    expect(accepted).toEqual(Array.from({ length: MAX_CLAIMS_VERSION }, (_, index) => index + 1));
  });

  it('accepts as text exactly the canonical decimals of the versions it accepts as numbers', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer({ min: -10, max: MAX_CLAIMS_VERSION + 10 }).map(String)), (text) => {
        // Act
        const matches = VERSION_TEXT_PATTERN.test(text);

        // Assess
        expect(matches).toBe(isClaimsVersion(Number(text)) && String(Number(text)) === text);
      }),
    );
  });

  it('refuses what is not an integer number: fractions, infinities, NaN, strings, bigints', () => {
    // Act & Assess
    for (const value of [1.5, Number.POSITIVE_INFINITY, Number.NaN, '1', 1n, null, undefined, [1]]) {
      expect(isClaimsVersion(value), String(value)).toBe(false);
    }
  });
});
