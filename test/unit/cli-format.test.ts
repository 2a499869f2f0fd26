import { describe, expect, it } from 'vitest';
import { formatAudit, formatMappings, formatMembers, formatTenants, table } from '../../cli/format';
import type { AuditEntry } from '../../shared/registry/audit-trail';

describe('the CLI tables', () => {
  it.each([
    ['tenants', () => formatTenants([]), '(no tenants)'],
    ['members', () => formatMembers([]), '(no members)'],
    ['audit entries', () => formatAudit([]), '(no audit entries)'],
    ['role mappings', () => formatMappings({}), '(none)'],
  ])('says so when there are no %s instead of printing an empty table', (_case, format, expected) => {
    // Act & Assess
    expect(format()).toBe(expected);
  });

  it('aligns tenant columns to the widest cell, with no trailing blanks', () => {
    // Act
    const printed = formatTenants([
      {
        tenantId: 'acme',
        name: 'Acme Corporation',
        tier: 'enterprise',
        status: 'active',
        seats: 12,
        roleMappings: {},
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      },
    ]);

    // Assess
    expect(printed.split('\n')).toEqual([
      'TENANT  TIER        STATUS  SEATS  NAME',
      'acme    enterprise  active  12     Acme Corporation',
    ]);
  });

  it('prints members with their role, source and join time', () => {
    // Act
    const printed = formatMembers([
      { tenantId: 'acme', sub: 'sub-1', role: 'tenant-admin', status: 'active', source: 'invite', joinedAt: '2026-01-02' },
    ]);

    // Assess
    expect(printed.split('\n')[1]).toBe('sub-1  tenant-admin  invite  2026-01-02');
  });

  it('prints a dash for an audit entry without a user or detail, and the facts of one with them', () => {
    // Prepare
    const base: AuditEntry = {
      tenantId: 'acme',
      at: '2026-01-03T00:00:00.000Z',
      action: 'tenant-created',
      reason: 'operator-request',
      actor: 'operator:ops',
      requestId: 'r-1',
      detail: {},
    };

    // Act
    const printed = formatAudit([base, { ...base, sub: 'sub-1', detail: { from: 'free', to: 'standard' } }]);

    // Assess
    const [, bare, full] = printed.split('\n');
    expect(bare).toMatch(/operator:ops\s+-\s+-\s+r-1$/);
    expect(full).toMatch(/operator:ops\s+sub-1\s+from=free to=standard\s+r-1$/);
  });

  it('joins role mappings on one line', () => {
    // Act & Assess
    expect(formatMappings({ Admins: 'tenant-admin', Staff: 'tenant-member' })).toBe(
      'Admins → tenant-admin, Staff → tenant-member',
    );
  });

  it('pads rows shorter than the header instead of failing', () => {
    // Act & Assess
    expect(table(['A', 'B'], [['x']])).toBe('A  B\nx');
  });
});
