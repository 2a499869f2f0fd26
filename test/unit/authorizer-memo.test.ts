import { describe, expect, it } from 'vitest';
import { parseBearerToken } from '../../shared/authorizer/bearer-token';
import { TokenMemo } from '../../shared/authorizer/token-memo';

const entry = (expiresAt: number) => ({ expiresAt });

describe('verified-token memo', () => {
  it('serves an entry until its expiry and drops it from then on', () => {
    // Prepare
    let now = 1_000_000;
    const memo = new TokenMemo(10, () => now);
    memo.set('token', entry(1_010)); // expires at 1,010,000 ms

    // Act
    now = 1_009_999;
    const before = memo.get('token');
    now = 1_010_000;
    const atExpiry = memo.get('token');

    // Assess
    expect(before).toEqual(entry(1_010));
    expect(atExpiry).toBeUndefined();
  });

  it('never stores an entry that has already expired', () => {
    // Prepare: room for one entry, taken by a live token
    const memo = new TokenMemo(1, () => 5_000);
    memo.set('live', entry(100));

    // Act: an expired entry would evict the live one if it were stored
    memo.set('expired', entry(4));

    // Assess
    expect(memo.get('live')).toEqual(entry(100));
    expect(memo.get('expired')).toBeUndefined();
  });

  it('holds at most its capacity, evicting the least recently used token', () => {
    // Prepare
    const memo = new TokenMemo(3, () => 0);
    memo.set('a', entry(100));
    memo.set('b', entry(100));
    memo.set('c', entry(100));
    memo.get('a');

    // Act
    memo.set('d', entry(100));

    // Assess
    expect(memo.get('b')).toBeUndefined();
    expect([memo.get('a'), memo.get('c'), memo.get('d')]).toEqual([entry(100), entry(100), entry(100)]);
  });

  it('serves an entry only for the identical token, even when another token ends the same way', () => {
    // Prepare
    const memo = new TokenMemo(10, () => 0);
    const tail = 'x'.repeat(100);
    memo.set(`header.payload.${tail}`, entry(100));

    // Act
    const forged = memo.get(`header.other-payload.${tail}`);
    const original = memo.get(`header.payload.${tail}`);

    // Assess
    expect(forged).toBeUndefined();
    expect(original).toEqual(entry(100));
  });

  it('stores nothing with a capacity of 0', () => {
    // Prepare
    const memo = new TokenMemo(0, () => 0);

    // Act
    memo.set('a', entry(100));

    // Assess
    expect(memo.get('a')).toBeUndefined();
  });
});

describe('bearer token parsing', () => {
  it.each([
    ['Bearer aaaa.bbbb.cccc', 'aaaa.bbbb.cccc'],
    ['bearer aaaa.bbbb.cccc', 'aaaa.bbbb.cccc'],
    ['Bearer aaaa.bbbb.cccc ', undefined],
    [' Bearer aaaa.bbbb.cccc', undefined],
    ['Bearer\taaaa.bbbb.cccc', undefined],
    ['Bearer aaaa.bbbb.cccc\n', undefined],
    ['Bearer aaaa.bbbb', undefined],
    ['Bearer aaaa.bbbb.cccc.dddd', undefined],
    ['Bearer aaaa..cccc', undefined],
    ['Bearer aaaa.bbbb.cc==', undefined],
    ['Token aaaa.bbbb.cccc', undefined],
    ['aaaa.bbbb.cccc', undefined],
    [`Bearer aaaa.bbbb.${'c'.repeat(13_000)}`, undefined],
    [undefined, undefined],
    [42, undefined],
    // Canonical base64url only: spare bits of a part's last character must be zero.
    ['Bearer aaaa.bbbb.cA', 'aaaa.bbbb.cA'],
    ['Bearer aaaa.bbbb.cB', undefined],
    ['Bearer aaaa.bbbb.ccE', 'aaaa.bbbb.ccE'],
    ['Bearer aaaa.bbbb.ccF', undefined],
    ['Bearer aaaa.bbbbb.cccc', undefined],
    ['Bearer aaaQ.bbbb.cccc', 'aaaQ.bbbb.cccc'],
    ['Bearer aQ.bbbb.cccc', 'aQ.bbbb.cccc'],
    ['Bearer aR.bbbb.cccc', undefined],
  ])('reads %j as %j', (header, expected) => {
    // Act
    const token = parseBearerToken(header);

    // Assess
    expect(token).toBe(expected);
  });
});
