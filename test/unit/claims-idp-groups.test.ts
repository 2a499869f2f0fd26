import { describe, expect, it } from 'vitest';
import { MAX_IDP_GROUPS, parseIdpGroups } from '../../shared/tokens/idp-groups';

describe('parseIdpGroups', () => {
  it.each([
    ['["Admins","Sales Team"]', ['Admins', 'Sales Team']],
    ['[Admins, Sales Team]', ['Admins', 'Sales Team']],
    ['[Sales Team]', ['Sales Team']],
    ['[ "Admins" , "Staff" ]', ['Admins', 'Staff']],
    ['["Admins", Staff]', ['Admins', 'Staff']],
    ['Admins, Staff', ['Admins', 'Staff']],
    ['"Admins", "Staff"', ['Admins', 'Staff']],
    ['Admins Staff\tOps', ['Admins', 'Staff', 'Ops']],
    ['Admins', ['Admins']],
    ['', []],
    ['[]', []],
    ['[ , Admins,, Admins ]', ['Admins']],
    ['{"Admins":true}', ['{"Admins":true}']],
  ])('reads %j as %j', (value, expected) => {
    // Act
    const groups = parseIdpGroups(value);

    // Assess
    expect(groups).toEqual(expected);
  });

  it('keeps only string entries of a JSON array', () => {
    // Act
    const groups = parseIdpGroups('["Admins", 7, null, {"x":1}, " Staff "]');

    // Assess
    expect(groups).toEqual(['Admins', 'Staff']);
  });

  it('reads at most a bounded number of names from a huge value', () => {
    // Prepare
    const value = Array.from({ length: 500 }, (_, i) => `g${i}`).join(',');

    // Act
    const groups = parseIdpGroups(value);

    // Assess
    expect(groups).toHaveLength(MAX_IDP_GROUPS);
    expect(groups[0]).toBe('g0');
  });
});
