import type { AuditEntry } from '../registry/audit-trail';

/**
 * An audit trail as aligned text lines, one per entry in the given order: time, action, reason, actor, the
 * user it concerns, the details (`key=value`) and the request id. Shared by `tenants audit` and the demo.
 */
export function auditLines(entries: readonly AuditEntry[]): string[] {
  return entries.map((entry) => {
    const facts = [
      ...(entry.sub === undefined ? [] : [`sub=${entry.sub}`]),
      ...Object.entries(entry.detail).map(([key, value]) => `${key}=${value}`),
      `request=${entry.requestId}`,
    ];
    return [entry.at, entry.action.padEnd(22), entry.reason.padEnd(16), entry.actor.padEnd(26), facts.join(' ')].join(
      '  ',
    );
  });
}
