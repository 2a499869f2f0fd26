import {
  CreatePolicyCommand,
  CreatePolicyStoreCommand,
  CreatePolicyTemplateCommand,
  DeletePolicyCommand,
  DeletePolicyTemplateCommand,
  GetPolicyCommand,
  GetPolicyTemplateCommand,
  GetSchemaCommand,
  ListPoliciesCommand,
  ListPolicyStoresCommand,
  ListPolicyTemplatesCommand,
  type ListPolicyTemplatesCommandOutput,
  PutSchemaCommand,
  ResourceNotFoundException,
  UpdatePolicyCommand,
  UpdatePolicyTemplateCommand,
  type VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import type { PolicyStoreAdmin } from '../registry/policy-store-admin';
import type { PolicyStoreRecord } from '../registry/policy-store-registry';
import { TenancyError } from '../runtime/errors';
import type { PolicyFiles } from './policy-files';
import { normaliseSchema, type PolicyChange, planChanges, type StoreContents } from './policy-plan';

/** The tag IAM matches against the caller's `TenantID` session tag (docs/cedar.md "Choosing the engine"). */
export const TENANT_TAG = 'TenantID';

// Managed policies and templates carry names, so a sync finds its own and leaves the user's alone.
const POLICY_NAME = 'name/global-';
const TEMPLATE_NAME = 'name/template-';
const storeDescription = (tenantId: string) => `cognito-tenancy tenant ${tenantId}`;
// AVP returns names with or without the `name/` prefix depending on the call; compare without it.
const bare = (name: string | undefined) => (name ?? '').replace(/^name\//, '');

interface ManagedItems {
  /** Managed id → AVP id and statement. */
  readonly policies: Map<string, { avpId: string; statement: string }>;
  readonly templates: Map<string, { avpId: string; statement: string }>;
  readonly schema: string | undefined;
}

/**
 * A tenant's Amazon Verified Permissions policy store: created with deletion protection, the schema, the
 * global policies and templates, and tagged `TenantID=<tenant>` so that only that tenant's scoped credentials
 * reach it. Every step is idempotent and each sync recomputes the difference from what the store holds, so a
 * run that failed halfway is finished by running it again.
 */
export class AvpPolicyStore {
  readonly kind = 'avp';
  readonly #client: VerifiedPermissionsClient;
  readonly #registry: PolicyStoreAdmin;

  constructor(client: VerifiedPermissionsClient, registry: PolicyStoreAdmin) {
    this.#client = client;
    this.#registry = registry;
  }

  /**
   * Creates the tenant's store, records it in the registry and fills it. Idempotent: a store the registry
   * already names is reused, and so is one created by a run that failed before recording it (found by its
   * description).
   */
  async create(
    tenantId: string,
    files: PolicyFiles,
    schema: string,
  ): Promise<{ created: boolean; record: PolicyStoreRecord }> {
    const existing = await this.#registry.getRecord(tenantId, { consistent: true });
    let created = false;
    let policyStoreId = existing?.policyStoreId ?? (await this.#findStore(tenantId));
    if (policyStoreId === undefined) {
      const output = await this.#client.send(
        new CreatePolicyStoreCommand({
          description: storeDescription(tenantId),
          validationSettings: { mode: 'STRICT' },
          // A tenant's shares live in its store: removing the stack or re-running never deletes it.
          deletionProtection: 'ENABLED',
          tags: { [TENANT_TAG]: tenantId },
        }),
      );
      policyStoreId = output.policyStoreId;
      if (policyStoreId === undefined) throw new TenancyError(`CreatePolicyStore returned no id for ${tenantId}`);
      created = true;
    }
    let record =
      existing?.policyStoreId === policyStoreId && existing !== undefined
        ? existing
        : await this.#registry.putRecord(
            {
              tenantId,
              policyStoreId,
              policies: existing?.policies ?? {},
              templates: existing?.templates ?? {},
              avpTemplateIds: existing?.avpTemplateIds ?? {},
            },
            existing?.version,
          );
    record = await this.#apply(record, files, schema);
    return { created, record };
  }

  /** The changes a sync would make to the tenant's store; `undefined` when the tenant has none. */
  async plan(tenantId: string, files: PolicyFiles, schema: string): Promise<PolicyChange[] | undefined> {
    const record = await this.#record(tenantId);
    if (record === undefined) return undefined;
    return planChanges(desired(files, schema), contents(await this.#read(storeId(record))));
  }

  /** Brings the tenant's store to the repository's model (see `create`). */
  async apply(tenantId: string, files: PolicyFiles, schema: string): Promise<void> {
    const record = await this.#record(tenantId);
    if (record === undefined) throw new TenancyError(`tenant ${tenantId} has no AVP policy store`);
    await this.#apply(record, files, schema);
  }

  /** What the tenant's store holds of the managed model; `undefined` when it has none. */
  async show(tenantId: string): Promise<(StoreContents & { policyStoreId: string }) | undefined> {
    const record = await this.#record(tenantId);
    if (record === undefined) return undefined;
    return { policyStoreId: storeId(record), ...contents(await this.#read(storeId(record))) };
  }

  async #record(tenantId: string): Promise<PolicyStoreRecord | undefined> {
    const record = await this.#registry.getRecord(tenantId, { consistent: true });
    return record?.policyStoreId === undefined ? undefined : record;
  }

  /**
   * Schema, then adds and updates, deletes last; then records the template ids in the registry (share links
   * name their template by id).
   */
  async #apply(record: PolicyStoreRecord, files: PolicyFiles, schema: string): Promise<PolicyStoreRecord> {
    const policyStoreId = storeId(record);
    const items = await this.#read(policyStoreId);
    const changes = planChanges(desired(files, schema), contents(items));
    const templateIds = new Map([...items.templates].map(([id, item]) => [id, item.avpId]));
    for (const change of changes) await this.#applyOne(policyStoreId, change, files, schema, items, templateIds);
    const avpTemplateIds = Object.fromEntries(templateIds);
    if (JSON.stringify(avpTemplateIds) === JSON.stringify(record.avpTemplateIds)) return record;
    return this.#registry.putRecord({ ...record, avpTemplateIds }, record.version);
  }

  async #applyOne(
    policyStoreId: string,
    change: PolicyChange,
    files: PolicyFiles,
    schema: string,
    items: ManagedItems,
    templateIds: Map<string, string>,
  ): Promise<void> {
    const client = this.#client;
    if (change.kind === 'schema') {
      await client.send(new PutSchemaCommand({ policyStoreId, definition: { cedarJson: schema } }));
      return;
    }
    if (change.kind === 'policy') {
      const statement = files.policies[change.id] ?? '';
      const avpId = items.policies.get(change.id)?.avpId ?? '';
      if (change.op === 'add') {
        await client.send(
          new CreatePolicyCommand({
            policyStoreId,
            name: `${POLICY_NAME}${change.id}`,
            definition: { static: { statement, description: `global policy ${change.id}` } },
          }),
        );
      } else if (change.op === 'update') {
        await client.send(
          new UpdatePolicyCommand({ policyStoreId, policyId: avpId, definition: { static: { statement } } }),
        );
      } else {
        await client.send(new DeletePolicyCommand({ policyStoreId, policyId: avpId }));
      }
      return;
    }
    const statement = files.templates[change.id] ?? '';
    const avpId = templateIds.get(change.id) ?? '';
    if (change.op === 'add') {
      const output = await client.send(
        new CreatePolicyTemplateCommand({
          policyStoreId,
          name: `${TEMPLATE_NAME}${change.id}`,
          statement,
          description: `template ${change.id}`,
        }),
      );
      if (output.policyTemplateId !== undefined) templateIds.set(change.id, output.policyTemplateId);
    } else if (change.op === 'update') {
      // Updated in place: template-linked policies (shares) follow the new text.
      await client.send(new UpdatePolicyTemplateCommand({ policyStoreId, policyTemplateId: avpId, statement }));
    } else {
      // AVP refuses while links exist: the error says so, and the shares are kept.
      await client.send(new DeletePolicyTemplateCommand({ policyStoreId, policyTemplateId: avpId }));
      templateIds.delete(change.id);
    }
  }

  async #findStore(tenantId: string): Promise<string | undefined> {
    let nextToken: string | undefined;
    do {
      const page = await this.#client.send(new ListPolicyStoresCommand({ nextToken }));
      const found = (page.policyStores ?? []).find((store) => store.description === storeDescription(tenantId));
      if (found?.policyStoreId !== undefined) return found.policyStoreId;
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return undefined;
  }

  async #read(policyStoreId: string): Promise<ManagedItems> {
    const client = this.#client;
    const policies = new Map<string, { avpId: string; statement: string }>();
    const templates = new Map<string, { avpId: string; statement: string }>();
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListPoliciesCommand({ policyStoreId, nextToken, filter: { policyType: 'STATIC' } }),
      );
      for (const item of page.policies ?? []) {
        const name = bare(item.name);
        if (!name.startsWith('global-') || item.policyId === undefined) continue;
        const policy = await client.send(new GetPolicyCommand({ policyStoreId, policyId: item.policyId }));
        policies.set(name.slice('global-'.length), {
          avpId: item.policyId,
          statement: policy.definition?.static?.statement ?? '',
        });
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    do {
      const page: ListPolicyTemplatesCommandOutput = await client.send(
        new ListPolicyTemplatesCommand({ policyStoreId, nextToken }),
      );
      for (const item of page.policyTemplates ?? []) {
        const name = bare(item.name);
        if (!name.startsWith('template-') || item.policyTemplateId === undefined) continue;
        const template = await client.send(
          new GetPolicyTemplateCommand({ policyStoreId, policyTemplateId: item.policyTemplateId }),
        );
        templates.set(name.slice('template-'.length), {
          avpId: item.policyTemplateId,
          statement: template.statement ?? '',
        });
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    let schema: string | undefined;
    try {
      const output = await client.send(new GetSchemaCommand({ policyStoreId }));
      schema = output.schema === undefined ? undefined : normaliseSchema(output.schema);
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    return { policies, templates, schema };
  }
}

function storeId(record: PolicyStoreRecord): string {
  if (record.policyStoreId === undefined) throw new TenancyError(`tenant ${record.tenantId} has no AVP policy store`);
  return record.policyStoreId;
}

const desired = (files: PolicyFiles, schema: string): StoreContents => ({ ...files, schema });

function contents(items: ManagedItems): StoreContents {
  const texts = (map: ManagedItems['policies']) =>
    Object.fromEntries([...map].map(([id, item]) => [id, item.statement]));
  return { policies: texts(items.policies), templates: texts(items.templates), schema: items.schema };
}
