import type { AuditEntry } from '../shared/registry/audit-trail';
import type { Membership, Tenant } from '../shared/registry/tenant';

/** IdP group → role mappings on one line. */
export function formatMappings(mappings: Readonly<Record<string, string>>): string {
  const entries = Object.entries(mappings);
  return entries.length === 0 ? '(none)' : entries.map(([group, role]) => `${group} → ${role}`).join(', ');
}

/** Tenants as a table. */
export function formatTenants(tenants: readonly Tenant[]): string {
  if (tenants.length === 0) return '(no tenants)';
  const rows = tenants.map((t) => [t.tenantId, t.tier, t.status, String(t.seats), t.name]);
  return table(['TENANT', 'TIER', 'STATUS', 'SEATS', 'NAME'], rows);
}

/** Memberships as a table. */
export function formatMembers(members: readonly Membership[]): string {
  if (members.length === 0) return '(no members)';
  return table(
    ['SUB', 'ROLE', 'SOURCE', 'JOINED'],
    members.map((m) => [m.sub, m.role, m.source, m.joinedAt]),
  );
}

/** Audit entries as a table, in the order given (newest first from the registry). */
export function formatAudit(entries: readonly AuditEntry[]): string {
  if (entries.length === 0) return '(no audit entries)';
  return table(
    ['TIME', 'ACTION', 'REASON', 'ACTOR', 'SUB', 'DETAIL', 'REQUEST'],
    entries.map((e) => [
      e.at,
      e.action,
      e.reason,
      e.actor,
      e.sub ?? '-',
      Object.entries(e.detail)
        .map(([key, value]) => `${key}=${value}`)
        .join(' ') || '-',
      e.requestId,
    ]),
  );
}

/** Left-aligned columns, two spaces apart, no trailing blanks. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
