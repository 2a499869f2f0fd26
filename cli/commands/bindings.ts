import { type BindingKind, describeBinding, makeBinding } from '../../shared/registry/binding';
import { assertTenantId } from '../../shared/registry/tenant-id';
import { type CliCommand, positional } from '../command';

const FORMS: Record<BindingKind, { args: string; what: string }> = {
  pool: { args: '<userPoolId>', what: 'a user pool' },
  idp: { args: '<userPoolId> <providerName>', what: 'an IdP of a pool' },
  client: { args: '<appClientId>', what: 'an app client' },
  domain: { args: '<emailDomain>', what: 'an e-mail domain' },
};

function bindingCommand(kind: BindingKind, remove: boolean): CliCommand {
  const { args, what } = FORMS[kind];
  return {
    name: `${remove ? 'unbind' : 'bind'}-${kind}`,
    args: `<tenantId> ${args}`,
    summary: remove ? 'remove that binding from the tenant' : `bind ${what} to the tenant`,
    registry: 'write',
    prepare: (input) => {
      const tenantId = assertTenantId(positional(input, 0));
      const binding = makeBinding(kind, positional(input, 1), input.positionals[2]);
      return {
        run: async ({ registry, print }) => {
          if (remove) await registry.unbind(tenantId, binding);
          else await registry.bind(tenantId, binding);
          const done = remove ? `unbound ${describeBinding(binding)} from` : `bound ${describeBinding(binding)} to`;
          print({ tenantId, binding }, () => `${done} ${tenantId}`);
          return 0;
        },
      };
    },
  };
}

/** `bind-pool`, `bind-idp`, `bind-client`, `bind-domain` and their `unbind-` counterparts. */
export const bindingCommands: readonly CliCommand[] = (['pool', 'idp', 'client', 'domain'] as const).flatMap((kind) => [
  bindingCommand(kind, false),
  bindingCommand(kind, true),
]);
