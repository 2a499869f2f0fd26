import type { InvitationResult } from '../shared/operations/invitation';
import type { AdoptionReport } from '../shared/operations/pool-adoption';

/** One line about an invitation. */
export function formatInvitation(result: InvitationResult): string {
  const verb = { invited: 'invited', added: 'added existing', completed: 'completed the invitation of' }[result.status];
  return `${verb} user ${result.sub} into ${result.tenantId} as ${result.role}`;
}

/** The adoption report: counts first, then one line per user that needs the operator's attention. */
export function formatAdoption(report: AdoptionReport): string {
  const lines = [
    `pool ${report.userPoolId}: ${report.scanned} user(s) scanned`,
    `  adopted          ${report.adopted.length}`,
    `  already members  ${report.alreadyMembers.length}`,
    `  without tenant   ${report.withoutTenant.length}`,
    `  unknown tenant   ${report.unknownTenant.length}`,
    `  refused          ${report.refused.length}`,
  ];
  for (const sub of report.withoutTenant) lines.push(`without tenant: ${sub} (no custom:tenantId; gets no tokens)`);
  for (const user of report.unknownTenant)
    lines.push(`unknown tenant: ${user.sub} → "${user.tenantId}" (${user.reason})`);
  for (const user of report.refused) lines.push(`refused: ${user.sub} → ${user.tenantId} (${user.reason})`);
  return lines.join('\n');
}
