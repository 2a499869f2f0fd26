import { describeBinding } from '../../shared/registry/binding';
import { validateNewTenant } from '../../shared/registry/registry-rules';
import type { TenantStatus } from '../../shared/registry/tenant';
import { assertTenantId } from '../../shared/registry/tenant-id';
import { type CliCommand, type CommandContext, optionalString, positional, requiredOption } from '../command';
import { formatMappings, formatMembers, formatTenants } from '../format';
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

/** `list`: every tenant. */
export const list: CliCommand = {
  name: 'list',
  args: '',
  summary: 'list all tenants',
  registry: 'read',
  prepare: () => ({
    run: async ({ registry, print }) => {
      const tenants = await registry.listTenants();
      print(tenants, () => formatTenants(tenants));
      return 0;
    },
  }),
};

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
