import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grantedGroups } from '../../shared/authorizer/granted-groups';
import { MEMBERSHIP_SOURCES } from '../../shared/registry/tenant';

const ROLES: readonly string[] = ['tenant-admin', 'tenant-editor', 'tenant-member'];

describe('grantedGroups (the lower of the token role and the registry role)', () => {
  it('returns the token array itself when the membership grants every role in it', () => {
    // Prepare
    const token = ['tenant-editor', 'tenant-member'];

    // Act
    const granted = grantedGroups(token, { role: 'tenant-editor', source: 'invite' }, undefined, ROLES);

    // Assess
    expect(granted).toBe(token);
  });

  it('lowers a role above the membership role to the membership role', () => {
    // Act
    const granted = grantedGroups(['tenant-admin'], { role: 'tenant-member', source: 'pool' }, undefined, ROLES);

    // Assess
    expect(granted).toEqual(['tenant-member']);
  });

  it('grants nothing above a membership role that is not a configured role group', () => {
    // Act
    const granted = grantedGroups(
      ['tenant-admin', 'tenant-member'],
      { role: 'retired-role', source: 'pool' },
      undefined,
      ROLES,
    );

    // Assess
    expect(granted).toEqual([]);
  });

  it('keeps roles the tenant still maps from IdP groups for an IdP membership only', () => {
    // Prepare
    const tenant = { roleMappings: { Admins: 'tenant-admin' } };

    // Act
    const idp = grantedGroups(['tenant-admin'], { role: 'tenant-member', source: 'idp' }, tenant, ROLES);
    const domain = grantedGroups(['tenant-admin'], { role: 'tenant-member', source: 'domain' }, tenant, ROLES);

    // Assess
    expect(idp).toEqual(['tenant-admin']);
    expect(domain).toEqual(['tenant-member']);
  });

  it('never grants a role ranked above the registry role, except a current IdP mapping of an IdP membership', () => {
    fc.assert(
      fc.property(
        fc.subarray([...ROLES]),
        fc.constantFrom(...ROLES, 'unknown-role'),
        fc.constantFrom(...MEMBERSHIP_SOURCES),
        fc.dictionary(fc.constantFrom('A', 'B', 'C'), fc.constantFrom(...ROLES)),
        (token, role, source, roleMappings) => {
          // Act
          const granted = grantedGroups(token, { role, source }, { roleMappings }, ROLES);

          // Assess
          const ceiling = ROLES.indexOf(role);
          const mapped = source === 'idp' ? Object.values(roleMappings) : [];
          for (const group of granted) {
            const allowed = mapped.includes(group) || (ceiling >= 0 && ROLES.indexOf(group) >= ceiling);
            expect(allowed).toBe(true);
          }
          // Nothing is granted that the token did not carry, except the registry role replacing a higher one.
          for (const group of granted) expect(token.includes(group) || group === role).toBe(true);
          expect(granted.length).toBeLessThanOrEqual(token.length);
        },
      ),
    );
  });
});
