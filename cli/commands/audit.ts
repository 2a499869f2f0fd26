import { validateSub } from '../../shared/registry/registry-rules';
import { assertTenantId } from '../../shared/registry/tenant-id';
import { InvalidInputError } from '../../shared/runtime/errors';
import { type CliCommand, type CommandInput, optionalString, positional } from '../command';
import { formatAudit } from '../format';

const AGO = /^(\d{1,6})([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `--since` as the ISO 8601 time it means: an ISO date or time (`2026-11-26`, `2026-11-26T10:00Z`), or a
 * duration ago (`30m`, `12h`, `7d`). Normalised to the registry's own form, whose text order is time order.
 */
function parseSince(value: string, now: () => number = Date.now): string {
  const ago = AGO.exec(value);
  if (ago !== null) return new Date(now() - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS]).toISOString();
  const time = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new InvalidInputError(`--since must be an ISO date or time, or 30m / 12h / 7d; got "${value}"`, 'since');
  }
  return new Date(time).toISOString();
}

function pageSize(input: CommandInput): number {
  const value = optionalString(input, 'limit') ?? '20';
  const limit = /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit >= 1 && limit <= 1000)) throw new InvalidInputError('--limit must be from 1 to 1000', 'limit');
  return limit;
}

/** `audit`: a tenant's audit trail, newest first, one page at a time. */
export const audit: CliCommand = {
  name: 'audit',
  args: '<tenantId>',
  summary: "a tenant's audit trail, newest first (who changed what, why, in which request)",
  registry: 'read',
  options: {
    since: {
      type: 'string',
      value: '<time>',
      help: 'only entries at or after an ISO date/time, or 30m / 12h / 7d ago',
    },
    user: { type: 'string', value: '<sub>', help: 'only entries about this user' },
    limit: { type: 'string', value: '<n>', help: 'entries per page, 1-1000 (default 20)' },
    next: { type: 'string', value: '<cursor>', help: 'the next page, as the previous page printed it' },
  },
  prepare: (input) => {
    const tenantId = assertTenantId(positional(input, 0));
    const since = optionalString(input, 'since');
    const user = optionalString(input, 'user');
    const query = {
      since: since === undefined ? undefined : parseSince(since),
      sub: user === undefined ? undefined : validateSub(user),
      limit: pageSize(input),
      next: optionalString(input, 'next'),
    };
    return {
      run: async ({ registry, print }) => {
        const tenant = await registry.requireTenant(tenantId);
        const page = await registry.listAudit(tenant.tenantId, query);
        print(page, () =>
          page.next === undefined
            ? formatAudit(page.entries)
            : `${formatAudit(page.entries)}\nmore: npm run tenants -- audit ${tenantId} --next ${page.next}` +
              `${query.since === undefined ? '' : ` --since ${query.since}`}${user === undefined ? '' : ` --user ${user}`}` +
              `${query.limit === 20 ? '' : ` --limit ${query.limit}`}`,
        );
        return 0;
      },
    };
  },
};
