import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreatePolicyCommand,
  CreatePolicyStoreAliasCommand,
  CreatePolicyStoreCommand,
  CreatePolicyTemplateCommand,
  DeletePolicyCommand,
  DeletePolicyTemplateCommand,
  GetPolicyCommand,
  GetPolicyStoreAliasCommand,
  GetPolicyTemplateCommand,
  GetSchemaCommand,
  PutSchemaCommand,
  paginateListPolicies,
  paginateListPolicyTemplates,
  ResourceNotFoundException,
  UpdatePolicyCommand,
  UpdatePolicyTemplateCommand,
  type VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import type { PolicyStoreAdmin } from '../registry/policy-store-admin';
import type { PolicyStoreRecord } from '../registry/policy-store-registry';
import { TENANT_TAG } from '../registry/tenant-id';
import { TenancyError } from '../runtime/errors';
import type { PolicyFiles } from './policy-files';
import {
  effectOf,
  normaliseSchema,
  type PolicyChange,
  planChanges,
  type StoreContents,
  withReplacements,
} from './policy-plan';

// Managed policies and templates carry names, so a sync finds its own and leaves the user's alone.
const POLICY_NAME = 'name/global-';
const TEMPLATE_NAME = 'name/template-';
const storeDescription = (tenantId: string) => `cognito-tenancy tenant ${tenantId}`;
/**
 * The tenant's store alias: found with one `GetPolicyStoreAlias` instead of listing every store of the account
 * (`ListPolicyStores` has no filter). Unique per account and region, like the description; a tenant id (3-63
 * lowercase letters, digits, hyphens) keeps it within the alias pattern `[a-zA-Z0-9-/_]*` and 150 characters.
 */
export const storeAlias = (tenantId: string) => `policy-store-alias/cognito-tenancy-${tenantId}`;
/**
 * `CreatePolicyStore`'s idempotency token for the tenant (1-64 of `[a-zA-Z0-9-]`): a create retried within eight
 * hours, after a run that stopped before the alias existed, returns the same store instead of a second one.
 */
const createToken = (tenantId: string) => createHash('sha256').update(storeDescription(tenantId)).digest('hex');
// Each List call returns at most 50 items (default 10): the fewest calls.
const PAGE_SIZE = 50;
// AVP returns names with or without the `name/` prefix depending on the call; compare without it.
const bare = (name: string | undefined) => (name ?? '').replace(/^name\//, '');
// A policy's replacement is created under the other of two names (`global-<id>` / `global-<id>_r`) when it
// must exist before the old one is deleted: names are unique in a store, and ids never hold `_`.
const REPLACEMENT = '_r';

interface ManagedItems {
  /** Managed id → AVP id, name (bare) and statement. */
  readonly policies: Map<string, { avpId: string; name: string; statement: string }>;
  readonly templates: Map<string, { avpId: string; statement: string }>;
  /** Second copies of a managed policy (a run stopped between creating a replacement and deleting the old one). */
  readonly duplicates: { readonly id: string; readonly avpId: string }[];
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
   * already names is reused, and so is one created by a run that failed before recording it (found by its alias,
   * or returned again by `CreatePolicyStore` for the same client token). The alias is created for a store that
   * has none (one recorded before aliases were used); an alias naming another store is refused.
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
          clientToken: createToken(tenantId),
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
    await this.#alias(tenantId, policyStoreId);
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
    const items = await this.#read(storeId(record));
    return [...(await this.#changes(items, files, schema)), ...duplicateDeletes(items)];
  }

  /** The plan, with the updates AVP cannot make in place turned into replacements. */
  async #changes(items: ManagedItems, files: PolicyFiles, schema: string): Promise<PolicyChange[]> {
    const want = desired(files, schema);
    const have = contents(items);
    return withReplacements(planChanges(want, have), want, have);
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
    // Left by a run that stopped mid-replacement, and deleted first so that the kept copy's replacement can take
    // its name: either it is the old forbid (the kept copy is its replacement) or a replacement that the kept
    // old forbid still covers; no window allows more than the old version.
    for (const duplicate of items.duplicates) {
      await this.#client.send(new DeletePolicyCommand({ policyStoreId, policyId: duplicate.avpId }));
    }
    const changes = await this.#changes(items, files, schema);
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
      const current = items.policies.get(change.id);
      const avpId = current?.avpId ?? '';
      const createPolicy = (replacementName: boolean) =>
        client.send(
          new CreatePolicyCommand({
            policyStoreId,
            name: `${POLICY_NAME}${change.id}${replacementName ? REPLACEMENT : ''}`,
            definition: { static: { statement, description: `global policy ${change.id}` } },
          }),
        );
      if (change.op === 'add') {
        await createPolicy(false);
      } else if (change.op === 'replace') {
        // Never more allowed than by either version: a permit goes before its replacement exists (fewer
        // permits meanwhile), a forbid only once its replacement is in place (more forbids meanwhile).
        if ((await effectOf('policy', current?.statement ?? '')) === 'permit') {
          await client.send(new DeletePolicyCommand({ policyStoreId, policyId: avpId }));
          await createPolicy(false);
        } else {
          await createPolicy(current?.name === `global-${change.id}`);
          await client.send(new DeletePolicyCommand({ policyStoreId, policyId: avpId }));
        }
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
    } else if (change.op === 'replace') {
      // A template whose effect, principal or resource changed: AVP cannot update it, and deleting it needs its
      // links (the shares) gone first, which this sync never does on its own. Without links it is recreated.
      try {
        await client.send(new DeletePolicyTemplateCommand({ policyStoreId, policyTemplateId: avpId }));
      } catch (error) {
        throw new TenancyError(
          `template ${change.id} changed its effect, principal or resource, which Verified Permissions cannot update, ` +
            'and it has shares linked to it: remove or migrate those shares, then sync again',
          { cause: error },
        );
      }
      const output = await client.send(
        new CreatePolicyTemplateCommand({
          policyStoreId,
          name: `${TEMPLATE_NAME}${change.id}`,
          statement,
          description: `template ${change.id}`,
        }),
      );
      if (output.policyTemplateId !== undefined) templateIds.set(change.id, output.policyTemplateId);
    } else {
      // AVP refuses while links exist: the error says so, and the shares are kept.
      await client.send(new DeletePolicyTemplateCommand({ policyStoreId, policyTemplateId: avpId }));
      templateIds.delete(change.id);
    }
  }

  /** The store the tenant's alias names; `undefined` when there is no alias. */
  async #findStore(tenantId: string): Promise<string | undefined> {
    try {
      const alias = await this.#client.send(new GetPolicyStoreAliasCommand({ aliasName: storeAlias(tenantId) }));
      // An alias being deleted cannot be used nor created again: say so rather than create a second store.
      if (alias.state === 'PendingDeletion') {
        throw new TenancyError(`the policy store alias of ${tenantId} is being deleted: run again once it is gone`);
      }
      return alias.policyStoreId;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  /** Points the tenant's alias at `policyStoreId` (idempotent); refuses when it names another store. */
  async #alias(tenantId: string, policyStoreId: string): Promise<void> {
    try {
      await this.#client.send(new CreatePolicyStoreAliasCommand({ aliasName: storeAlias(tenantId), policyStoreId }));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      throw new TenancyError(
        `${storeAlias(tenantId)} names another policy store than ${policyStoreId}, the one the registry records for ` +
          `${tenantId}: check which store holds the tenant's shares before changing either`,
        { cause: error },
      );
    }
  }

  async #read(policyStoreId: string): Promise<ManagedItems> {
    const client = this.#client;
    const policies = new Map<string, { avpId: string; name: string; statement: string }>();
    const duplicates: { id: string; avpId: string }[] = [];
    const templates = new Map<string, { avpId: string; statement: string }>();
    const pages = { client, pageSize: PAGE_SIZE };
    for await (const page of paginateListPolicies(pages, { policyStoreId, filter: { policyType: 'STATIC' } })) {
      for (const item of page.policies ?? []) {
        const name = bare(item.name);
        if (!name.startsWith('global-') || item.policyId === undefined) continue;
        const id = name.slice('global-'.length).replace(new RegExp(`${REPLACEMENT}$`), '');
        if (policies.has(id)) {
          duplicates.push({ id, avpId: item.policyId });
          continue;
        }
        const policy = await client.send(new GetPolicyCommand({ policyStoreId, policyId: item.policyId }));
        policies.set(id, { avpId: item.policyId, name, statement: policy.definition?.static?.statement ?? '' });
      }
    }
    for await (const page of paginateListPolicyTemplates(pages, { policyStoreId })) {
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
    }
    let schema: string | undefined;
    try {
      const output = await client.send(new GetSchemaCommand({ policyStoreId }));
      schema = output.schema === undefined ? undefined : normaliseSchema(output.schema);
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    return { policies, templates, duplicates, schema };
  }
}

/** A delete per duplicate copy of a managed policy, for the plan (and `--dry-run`) to show. */
function duplicateDeletes(items: ManagedItems): PolicyChange[] {
  return items.duplicates.map(({ id }) => ({ op: 'delete', kind: 'policy', id: `${id} (duplicate)` }));
}

function storeId(record: PolicyStoreRecord): string {
  if (record.policyStoreId === undefined) throw new TenancyError(`tenant ${record.tenantId} has no AVP policy store`);
  return record.policyStoreId;
}

const desired = (files: PolicyFiles, schema: string): StoreContents => ({ ...files, schema });

function contents(items: ManagedItems): StoreContents {
  const texts = (map: ReadonlyMap<string, { readonly statement: string }>) =>
    Object.fromEntries([...map].map(([id, item]) => [id, item.statement]));
  return { policies: texts(items.policies), templates: texts(items.templates), schema: items.schema };
}
