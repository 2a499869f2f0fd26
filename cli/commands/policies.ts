import { VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import { POLICY_ENGINES, type PolicyEngineKind } from '../../shared/cedar/policy-config';
import { AvpPolicyStore } from '../../shared/cedar/stores/avp-policy-store';
import { EmbeddedPolicyStore } from '../../shared/cedar/stores/embedded-policy-store';
import { readPolicyFiles } from '../../shared/cedar/stores/policy-files';
import { describeChange, validatePolicyFiles } from '../../shared/cedar/stores/policy-plan';
import { type PolicyStoreBackend, syncPolicyStores } from '../../shared/cedar/stores/policy-store-sync';
import { assertTenantId } from '../../shared/registry/tenant-id';
import { InvalidInputError, PolicyEngineError } from '../../shared/runtime/errors';
import {
  type CliCommand,
  type CommandContext,
  type CommandInput,
  type OptionSpec,
  optionalString,
  positional,
} from '../command';
import { isAwsConfigurationError } from '../error-line';

const ENGINE_OPTION: Record<string, OptionSpec> = {
  engine: {
    type: 'string',
    value: '<avp|embedded>',
    help: 'Amazon Verified Permissions, or the embedded engine (default TENANCY_POLICY_ENGINE, else embedded)',
  },
  policies: { type: 'string', value: '<dir>', help: 'the policy folder (default: the repository policies/)' },
};

/** The engine named by `--engine` or `TENANCY_POLICY_ENGINE`, checked before any I/O. */
function engineOf(input: CommandInput): PolicyEngineKind {
  const engine = optionalString(input, 'engine') ?? input.env.TENANCY_POLICY_ENGINE ?? 'embedded';
  if (!(POLICY_ENGINES as readonly string[]).includes(engine)) {
    throw new InvalidInputError(`--engine must be one of ${POLICY_ENGINES.join(', ')}`, 'engine');
  }
  return engine as PolicyEngineKind;
}

/**
 * Runs `use` with the store backend of an engine. AVP is called in the registry's region (`--region`, else
 * `AWS_REGION`/`AWS_DEFAULT_REGION`; `AWS_ENDPOINT_URL_VERIFIEDPERMISSIONS` overrides the endpoint), and its
 * client is destroyed afterwards so the CLI exits without waiting for idle sockets.
 */
async function withBackend<T>(
  engine: PolicyEngineKind,
  { policyStores, env, registryRegion }: Pick<CommandContext, 'policyStores' | 'env' | 'registryRegion'>,
  use: (backend: PolicyStoreBackend) => Promise<T>,
): Promise<T> {
  if (engine === 'embedded') return use(new EmbeddedPolicyStore(policyStores));
  const region = registryRegion ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const client = new VerifiedPermissionsClient(region === undefined ? {} : { region });
  try {
    return await use(new AvpPolicyStore(client, policyStores));
  } catch (error) {
    // Missing credentials or region surface here first for AVP (the registry answered already, and may be local):
    // the CLI's error line must name Verified Permissions, not the registry.
    throw isAwsConfigurationError(error)
      ? new PolicyEngineError(`Verified Permissions in ${region ?? '(no region)'} failed`, {
          cause: error,
          target: `Verified Permissions in ${region ?? '(no region)'}`,
        })
      : error;
  } finally {
    client.destroy();
  }
}

/** Reads and validates the policy folder: nothing that fails the schema is ever rolled out. */
async function validatedFiles(input: CommandInput) {
  const files = readPolicyFiles(optionalString(input, 'policies'));
  return { files, schema: await validatePolicyFiles(files) };
}

/** `policy-store create <tenantId>`: the tenant's store with the schema, global policies and templates. */
const policyStoreCreate: CliCommand = {
  name: 'policy-store create',
  args: '<tenantId>',
  summary: "create the tenant's policy store (schema, global policies, templates) and record it; idempotent",
  registry: 'write',
  options: ENGINE_OPTION,
  prepare: (input) => {
    const tenantId = assertTenantId(positional(input, 0));
    const engine = engineOf(input);
    return {
      run: async (context) => {
        const { registry, print } = context;
        await registry.requireTenant(tenantId);
        const { files, schema } = await validatedFiles(input);
        const { created, record } = await withBackend(engine, context, (backend) =>
          backend.create(tenantId, files, schema),
        );
        const where = engine === 'avp' ? `AVP policy store ${record.policyStoreId}` : 'embedded policy set';
        print({ tenantId, engine, created, policyStoreId: record.policyStoreId ?? null }, () =>
          created ? `created ${where} for ${tenantId}` : `${tenantId} already has its ${where}; brought up to date`,
        );
        return 0;
      },
    };
  },
};

/** `policies sync [--dry-run]`: the repository's policies to every tenant's store, drift per store. */
const policiesSync: CliCommand = {
  name: 'policies sync',
  args: '',
  summary: "apply policies/ to every tenant's store (add, update, delete); --dry-run reports the drift only",
  registry: 'write',
  options: {
    ...ENGINE_OPTION,
    'dry-run': { type: 'boolean', help: 'report the drift of every store, change nothing' },
  },
  prepare: (input) => {
    const engine = engineOf(input);
    const dryRun = input.values['dry-run'] === true;
    return {
      run: async (context) => {
        const { registry, print } = context;
        const { files, schema } = await validatedFiles(input);
        const tenants = (await registry.listTenants()).map((tenant) => tenant.tenantId);
        const results = await withBackend(engine, context, (backend) =>
          syncPolicyStores(backend, tenants, files, schema, { dryRun }),
        );
        print({ engine, dryRun, stores: results }, () =>
          results
            .map((result) =>
              [
                `${result.tenantId}: ${result.status}${result.error === undefined ? '' : ` (${result.error})`}`,
                ...result.changes.map((change) => `  ${describeChange(change)}`),
              ].join('\n'),
            )
            .join('\n'),
        );
        return results.some((result) => result.status === 'failed') ? 1 : 0;
      },
    };
  },
};

/** `policies show <tenantId>`: the tenant's store and its drift from the repository. */
const policiesShow: CliCommand = {
  name: 'policies show',
  args: '<tenantId>',
  summary: "show the tenant's policy store, its policies and templates, and its drift from policies/",
  registry: 'read',
  options: ENGINE_OPTION,
  prepare: (input) => {
    const tenantId = assertTenantId(positional(input, 0));
    const engine = engineOf(input);
    return {
      run: async (context) => {
        const { policyStores, print } = context;
        const { files, schema } = await validatedFiles(input);
        const record = await policyStores.getRecord(tenantId, { consistent: true });
        const drift = await withBackend(engine, context, (backend) => backend.plan(tenantId, files, schema));
        const view = {
          tenantId,
          engine,
          policyStoreId: record?.policyStoreId ?? null,
          version: record?.version ?? null,
          policies: Object.keys(record?.policies ?? {}),
          templates: Object.keys(record?.templates ?? {}),
          avpTemplateIds: record?.avpTemplateIds ?? {},
          drift: drift ?? null,
        };
        print(view, () =>
          drift === undefined
            ? `${tenantId} has no ${engine} policy store (run: policy-store create ${tenantId} --engine ${engine})`
            : [
                `tenant     ${tenantId}`,
                `engine     ${engine}${record?.policyStoreId === undefined ? '' : ` (store ${record.policyStoreId})`}`,
                `version    ${record?.version}`,
                ...(engine === 'embedded'
                  ? [`policies   ${view.policies.join(', ')}`, `templates  ${view.templates.join(', ')}`]
                  : [
                      `templates  ${Object.entries(view.avpTemplateIds)
                        .map(([n, id]) => `${n}=${id}`)
                        .join(', ')}`,
                    ]),
                `drift      ${drift.length === 0 ? 'none' : drift.map(describeChange).join(', ')}`,
              ].join('\n'),
        );
        return 0;
      },
    };
  },
};

/** The policy store commands. */
export const policyCommands: readonly CliCommand[] = [policyStoreCreate, policiesSync, policiesShow];
