import { describeBinding } from '../../shared/registry/binding';
import { validateNewTenant } from '../../shared/registry/registry-rules';
import type { TenantStatus } from '../../shared/registry/tenant';
import { assertTenantId } from '../../shared/registry/tenant-id';
import { type CliCommand, type CommandContext, optionalString, positional, requiredOption } from '../command';
import { formatMappings, formatMembers } from '../format';
import { provisionIfConfigured } from './database';

/** `create`: a new active tenant. */
export const create: CliCommand = {
  name: 'create',
  args: '',
  summary: 'create an active tenant (a non-guessable id is generated unless --id is given)',
  registry: 'write',
  options: {
    name: { type: 'string', value: '<name>', help: 'display name, 1-128 printable characters' },
    tier: { type: 'string', value: '<tier>', help: 'one of the tiers of TENANCY_TIERS' },
    id: { type: 'string', value: '<tenantId>', help: 'the tenant id (3-63 lowercase letters, digits, hyphens)' },
  },
  prepare: (input) => {
    const tenant = validateNewTenant(
      {
        tenantId: optionalString(input, 'id'),
        name: requiredOption(input, 'create', 'name'),
        tier: requiredOption(input, 'create', 'tier'),
      },
      input.tiers,
    );
    return {
      run: async ({ registry, print, out, env }) => {
        const created = await registry.createTenant(tenant);
        print(created, () => `created ${created.tenantId} (${created.name}, ${created.tier})`);
        // With PostgreSQL configured, the tenant's database role comes with it (docs/postgresql.md).
        for (const line of await provisionIfConfigured(env, [created.tenantId])) out(line);
        return 0;
      },
    };
  },
};

/**
 * A command whose only argument is a tenant id, checked before any I/O: `action` gets the context and the id
 * and prints the result itself.
 */
function tenantCommand(
  spec: Pick<CliCommand, 'name' | 'summary' | 'registry'>,
  action: (context: CommandContext, tenantId: string) => Promise<void>,
): CliCommand {
  return {
    ...spec,
    args: '<tenantId>',
    prepare: (input) => {
      const tenantId = assertTenantId(positional(input, 0));
      return {
        run: async (context) => {
          await action(context, tenantId);
          return 0;
        },
      };
    },
  };
}

/** `show`: one tenant, its bindings and seat use. */
export const show = tenantCommand(
  { name: 'show', summary: 'show a tenant, its bindings and its seat use', registry: 'read' },
  async ({ registry, print }, tenantId) => {
    const tenant = await registry.requireTenant(tenantId);
    const bindings = await registry.listBindings(tenant.tenantId);
    const seatLimit = registry.tiers.has(tenant.tier) ? registry.tiers.get(tenant.tier).seatLimit : undefined;
    print({ ...tenant, seatLimit, bindings }, () =>
      [
        `tenant    ${tenant.tenantId}`,
        `name      ${tenant.name}`,
        `tier      ${tenant.tier}`,
        `status    ${tenant.status}`,
        `seats     ${tenant.seats} of ${seatLimit ?? '?'}`,
        `roles     ${formatMappings(tenant.roleMappings)}`,
        `bindings  ${bindings.length === 0 ? '(none)' : bindings.map(describeBinding).join(', ')}`,
        `created   ${tenant.createdAt}`,
        `updated   ${tenant.updatedAt}`,
      ].join('\n'),
    );
  },
);

/**
 * `list`: every tenant, streamed page by page in the registry's order (not sorted: sorting would hold them all).
 * With `--json` the output is still one JSON array, written as the pages arrive.
 */
export const list: CliCommand = {
  name: 'list',
  args: '',
  summary: 'list all tenants, page by page',
  registry: 'read',
  prepare: () => ({
    run: async ({ registry, json, out }) => {
      let count = 0;
      // JSON: the same text as `JSON.stringify(all, null, 2)`; one tenant is held back until the next one (or the
      // end) tells whether its closing brace takes a comma.
      let pending: string | undefined;
      for await (const page of registry.tenantPages()) {
        for (const tenant of page) {
          if (json) {
            if (pending === undefined) out('[');
            else out(`${pending},`);
            pending = `  ${JSON.stringify(tenant, null, 2).replaceAll('\n', '\n  ')}`;
          } else {
            if (count === 0) out(tenantRow(TENANT_HEADER));
            out(tenantRow([tenant.tenantId, tenant.tier, tenant.status, String(tenant.seats), tenant.name]));
          }
          count++;
        }
      }
      if (json) out(pending === undefined ? '[]' : `${pending}\n]`);
      else if (count === 0) out('(no tenants)');
      return 0;
    },
  }),
};

const TENANT_HEADER = ['TENANT', 'TIER', 'STATUS', 'SEATS', 'NAME'];
// Fixed widths: rows are printed before the longest one is known. A longer value only shifts its own row.
const TENANT_WIDTHS = [24, 12, 10, 6];

function tenantRow(cells: readonly string[]): string {
  return cells
    .map((cell, i) => cell.padEnd(TENANT_WIDTHS[i] ?? 0))
    .join('  ')
    .trimEnd();
}

/** `members`: a tenant's members. */
export const members = tenantCommand(
  { name: 'members', summary: "list a tenant's members", registry: 'read' },
  async ({ registry, print }, tenantId) => {
    const tenant = await registry.requireTenant(tenantId);
    const found = await registry.listMembers(tenant.tenantId);
    print(found, () => formatMembers(found));
  },
);

/** `set-tier`: moves a tenant to another tier. */
export const setTier: CliCommand = {
  name: 'set-tier',
  args: '<tenantId> <tier>',
  summary: "change a tenant's tier",
  registry: 'write',
  prepare: (input) => {
    const tenantId = assertTenantId(positional(input, 0));
    const tier = input.tiers.get(positional(input, 1)).name;
    return {
      run: async ({ registry, print }) => {
        const tenant = await registry.setTier(tenantId, tier);
        print(tenant, () => `${tenant.tenantId} is now on tier ${tenant.tier}`);
        return 0;
      },
    };
  },
};

function statusCommand(name: string, status: TenantStatus): CliCommand {
  return tenantCommand(
    { name, summary: `set the tenant's status to ${status}`, registry: 'write' },
    async ({ registry, print }, tenantId) => {
      const tenant = await registry.setStatus(tenantId, status);
      print(tenant, () => `${tenant.tenantId} is now ${tenant.status}`);
    },
  );
}

/** `suspend`, `resume`, `disable`: a tenant's status. */
export const statusCommands: readonly CliCommand[] = [
  statusCommand('suspend', 'suspended'),
  statusCommand('resume', 'active'),
  statusCommand('disable', 'disabled'),
];
