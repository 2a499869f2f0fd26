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
  type PolicyItem,
  PutSchemaCommand,
  paginateListPolicies,
  paginateListPolicyTemplates,
  ResourceNotFoundException,
  UpdatePolicyCommand,
  UpdatePolicyTemplateCommand,
  type VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import { TENANT_TAG } from '../../registry/tenant-id';
import { TenancyError } from '../../runtime/errors';
import type { PolicyFiles } from './policy-files';
import {
  effectOf,
  normaliseSchema,
  type PolicyChange,
  planChanges,
  type StoreContents,
  withReplacements,
} from './policy-plan';
import type { PolicyStoreAdmin } from './policy-store-admin';
import type { PendingLink, PolicyStoreRecord } from './policy-store-registry';

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
// Links moved per registry write when a template is replaced: the pending list stays far below DynamoDB's item size.
const MOVE_CHUNK = 25;

interface ManagedItems {
  /** Managed id → AVP id, name (bare) and statement. */
  readonly policies: Map<string, { avpId: string; name: string; statement: string }>;
  /** Managed id → the copy the registry names (share links are created on it). */
  readonly templates: Map<string, { avpId: string; name: string; statement: string }>;
  /** Second copies of a managed policy (a run stopped between creating a replacement and deleting the old one). */
  readonly duplicates: { readonly id: string; readonly avpId: string }[];
  /** Second copies of a managed template (a run stopped while replacing it): their links move to the kept copy. */
  readonly templateDuplicates: { readonly id: string; readonly avpId: string; readonly statement: string }[];
  readonly schema: string | undefined;
}

/** What `#apply` writes as it goes: the registry record, whose version every write checks. */
interface ApplyState {
  record: PolicyStoreRecord;
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
              ...(existing?.pendingLinks === undefined ? {} : { pendingLinks: existing.pendingLinks }),
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
    const items = await this.#read(storeId(record), record.avpTemplateIds);
    return [...pendingChanges(record), ...(await this.#changes(items, files, schema)), ...duplicateDeletes(items)];
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
    return { policyStoreId: storeId(record), ...contents(await this.#read(storeId(record), record.avpTemplateIds)) };
  }

  async #record(tenantId: string): Promise<PolicyStoreRecord | undefined> {
    const record = await this.#registry.getRecord(tenantId, { consistent: true });
    return record?.policyStoreId === undefined ? undefined : record;
  }

  /**
   * Schema, then adds and updates, deletes last; then records the template ids in the registry (share links
   * name their template by id). First it finishes what a stopped run left: links it had deleted but not yet
   * re-created, second copies of a policy or a template.
   */
  async #apply(record: PolicyStoreRecord, files: PolicyFiles, schema: string): Promise<PolicyStoreRecord> {
    const policyStoreId = storeId(record);
    const state: ApplyState = { record };
    const items = await this.#read(policyStoreId, record.avpTemplateIds);
    // Left by a run that stopped mid-replacement, and deleted first so that the kept copy's replacement can take
    // its name: either it is the old forbid (the kept copy is its replacement) or a replacement that the kept
    // old forbid still covers; no window allows more than the old version.
    for (const duplicate of items.duplicates) {
      await this.#client.send(new DeletePolicyCommand({ policyStoreId, policyId: duplicate.avpId }));
    }
    await this.#finishPendingLinks(policyStoreId, state, items);
    // A template's second copy: the registry names the kept one (new shares go there); the other's links move
    // onto it, then it goes.
    for (const duplicate of items.templateDuplicates) {
      const kept = items.templates.get(duplicate.id);
      if (kept === undefined) continue;
      await this.#moveLinks(policyStoreId, state, duplicate.id, duplicate, kept.avpId);
      await this.#client.send(new DeletePolicyTemplateCommand({ policyStoreId, policyTemplateId: duplicate.avpId }));
    }
    const changes = await this.#changes(items, files, schema);
    const templateIds = new Map([...items.templates].map(([id, item]) => [id, item.avpId]));
    for (const change of changes) await this.#applyOne(policyStoreId, change, files, schema, items, templateIds, state);
    const avpTemplateIds = Object.fromEntries(templateIds);
    if (JSON.stringify(avpTemplateIds) === JSON.stringify(state.record.avpTemplateIds)) return state.record;
    return this.#registry.putRecord({ ...state.record, avpTemplateIds }, state.record.version);
  }

  async #applyOne(
    policyStoreId: string,
    change: PolicyChange,
    files: PolicyFiles,
    schema: string,
    items: ManagedItems,
    templateIds: Map<string, string>,
    state: ApplyState,
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
    const createTemplate = async (name: string) => {
      const output = await client.send(
        new CreatePolicyTemplateCommand({ policyStoreId, name, statement, description: `template ${change.id}` }),
      );
      if (output.policyTemplateId === undefined) throw new TenancyError(`CreatePolicyTemplate returned no id`);
      return output.policyTemplateId;
    };
    if (change.op === 'add') {
      templateIds.set(change.id, await createTemplate(`${TEMPLATE_NAME}${change.id}`));
    } else if (change.op === 'update') {
      // Updated in place: template-linked policies (shares) follow the new text.
      await client.send(new UpdatePolicyTemplateCommand({ policyStoreId, policyTemplateId: avpId, statement }));
    } else if (change.op === 'replace') {
      await this.#replaceTemplate(policyStoreId, change.id, items, templateIds, state, createTemplate);
    } else {
      // AVP refuses while links exist: the error says so, and the shares are kept.
      await client.send(new DeletePolicyTemplateCommand({ policyStoreId, policyTemplateId: avpId }));
      templateIds.delete(change.id);
    }
  }

  /**
   * A template whose effect, principal or resource changed, which AVP cannot update: a new copy (under the other
   * of two names, `template-<id>` / `template-<id>_r`), recorded in the registry at once so that new shares link
   * it, then every link of the old copy re-created on the new one (`#moveLinks`), then the old copy deleted.
   * docs/cedar.md "Replacing a template that has shares".
   */
  async #replaceTemplate(
    policyStoreId: string,
    id: string,
    items: ManagedItems,
    templateIds: Map<string, string>,
    state: ApplyState,
    createTemplate: (name: string) => Promise<string>,
  ): Promise<void> {
    const current = items.templates.get(id);
    if (current === undefined) throw new TenancyError(`template ${id} is not in the store`);
    // Refused before anything is written: a forbid's links cannot move without a moment of fewer forbids.
    await this.#refuseForbidLinks(policyStoreId, id, current);
    const name = current.name === `template-${id}` ? `${TEMPLATE_NAME}${id}${REPLACEMENT}` : `${TEMPLATE_NAME}${id}`;
    const replacement = await createTemplate(name);
    templateIds.set(id, replacement);
    state.record = await this.#registry.putRecord(
      { ...state.record, avpTemplateIds: { ...state.record.avpTemplateIds, [id]: replacement } },
      state.record.version,
    );
    await this.#moveLinks(policyStoreId, state, id, current, replacement);
    await this.#client.send(new DeletePolicyTemplateCommand({ policyStoreId, policyTemplateId: current.avpId }));
  }

  /**
   * Re-creates every link of template copy `from` on copy `to`, `MOVE_CHUNK` at a time: the chunk is written to
   * the registry (`pendingLinks`) first, then each link is deleted and created again with the same name,
   * principal and resource. Delete before create: a permit's link is never doubled by a link of the other
   * version (a moment with fewer permits, never more). The listing is repeated until `from` has no links, so a
   * share made meanwhile on the old copy moves too; a forbid template's links are refused (`#refuseForbidLinks`).
   */
  async #moveLinks(
    policyStoreId: string,
    state: ApplyState,
    id: string,
    from: { readonly avpId: string; readonly statement: string },
    to: string,
  ): Promise<void> {
    for (;;) {
      const links = (await this.#links(policyStoreId, from.avpId)).slice(0, MOVE_CHUNK);
      if (links.length === 0) break;
      await this.#refuseForbidLinks(policyStoreId, id, from);
      state.record = await this.#registry.putRecord(
        { ...state.record, pendingLinks: links.map((link) => pendingLink(id, link)) },
        state.record.version,
      );
      for (const link of links) {
        await this.#client.send(new DeletePolicyCommand({ policyStoreId, policyId: link.policyId ?? '' }));
        await this.#createLink(policyStoreId, to, pendingLink(id, link));
      }
    }
    await this.#clearPending(state);
  }

  /** Refuses to move the links of a forbid template (AVP keeps them; the store reports `failed`). */
  async #refuseForbidLinks(
    policyStoreId: string,
    id: string,
    template: { readonly avpId: string; readonly statement: string },
  ): Promise<void> {
    if ((await effectOf('template', template.statement)) !== 'forbid') return;
    if ((await this.#links(policyStoreId, template.avpId)).length === 0) return;
    throw new TenancyError(
      `template ${id} is a forbid with linked policies and changed its effect, principal or resource, which ` +
        'Verified Permissions cannot update; moving its links would lift each forbid for a moment: remove or ' +
        'migrate them, then sync again',
    );
  }

  /** Re-creates the links a stopped run had written to the registry and not yet re-created, then clears them. */
  async #finishPendingLinks(policyStoreId: string, state: ApplyState, items: ManagedItems): Promise<void> {
    const pending = state.record.pendingLinks ?? [];
    if (pending.length === 0) return;
    for (const link of pending) {
      const template = items.templates.get(link.template);
      // The template itself is gone from the store: its shares went with it (as when a template is removed).
      if (template === undefined) continue;
      if (link.name === undefined) {
        const copies = [
          template.avpId,
          ...items.templateDuplicates.filter((d) => d.id === link.template).map((d) => d.avpId),
        ];
        const linked = (await Promise.all(copies.map((copy) => this.#links(policyStoreId, copy)))).flat();
        if (linked.some((item) => samePolicy(item, link))) continue;
      }
      await this.#createLink(policyStoreId, template.avpId, link);
    }
    await this.#clearPending(state);
  }

  async #clearPending(state: ApplyState): Promise<void> {
    if ((state.record.pendingLinks ?? []).length === 0) return;
    state.record = await this.#registry.putRecord({ ...state.record, pendingLinks: [] }, state.record.version);
  }

  /** Creates a link on a template copy; one whose name exists already (not yet moved, or moved) is left alone. */
  async #createLink(policyStoreId: string, policyTemplateId: string, link: PendingLink): Promise<void> {
    try {
      await this.#client.send(
        new CreatePolicyCommand({
          policyStoreId,
          ...(link.name === undefined ? {} : { name: `name/${link.name}` }),
          definition: { templateLinked: { policyTemplateId, principal: link.principal, resource: link.resource } },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConflictException) || link.name === undefined) throw error;
    }
  }

  /** The template-linked policies of one template copy. */
  async #links(policyStoreId: string, policyTemplateId: string): Promise<PolicyItem[]> {
    const links: PolicyItem[] = [];
    const pages = { client: this.#client, pageSize: PAGE_SIZE };
    for await (const page of paginateListPolicies(pages, { policyStoreId, filter: { policyTemplateId } })) {
      links.push(...(page.policies ?? []).filter((item) => item.policyType === 'TEMPLATE_LINKED'));
    }
    return links;
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

  async #read(policyStoreId: string, named: Readonly<Record<string, string>>): Promise<ManagedItems> {
    const client = this.#client;
    const policies = new Map<string, { avpId: string; name: string; statement: string }>();
    const duplicates: { id: string; avpId: string }[] = [];
    const copies = new Map<string, { avpId: string; name: string; statement: string }[]>();
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
        const id = name.slice('template-'.length).replace(new RegExp(`${REPLACEMENT}$`), '');
        copies.set(id, [
          ...(copies.get(id) ?? []),
          { avpId: item.policyTemplateId, name, statement: template.statement ?? '' },
        ]);
      }
    }
    let schema: string | undefined;
    try {
      const output = await client.send(new GetSchemaCommand({ policyStoreId }));
      schema = output.schema === undefined ? undefined : normaliseSchema(output.schema);
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    // Of two copies of a template (a stopped replacement), the one the registry names is kept.
    const templates = new Map<string, { avpId: string; name: string; statement: string }>();
    const templateDuplicates: { id: string; avpId: string; statement: string }[] = [];
    for (const [id, found] of copies) {
      const kept = found.find((copy) => copy.avpId === named[id]) ?? found[0];
      if (kept === undefined) continue;
      templates.set(id, kept);
      for (const copy of found) if (copy !== kept) templateDuplicates.push({ id, ...copy });
    }
    return { policies, templates, duplicates, templateDuplicates, schema };
  }
}

/** A delete per duplicate copy of a managed policy or template, for the plan (and `--dry-run`) to show. */
function duplicateDeletes(items: ManagedItems): PolicyChange[] {
  return [
    ...items.duplicates.map(({ id }): PolicyChange => ({ op: 'delete', kind: 'policy', id: `${id} (duplicate)` })),
    ...items.templateDuplicates.map(
      ({ id }): PolicyChange => ({ op: 'delete', kind: 'template', id: `${id} (duplicate, its links moved)` }),
    ),
  ];
}

/** The links a stopped run left to re-create, for the plan to show (one change per template). */
function pendingChanges(record: PolicyStoreRecord): PolicyChange[] {
  const templates = [...new Set((record.pendingLinks ?? []).map((link) => link.template))];
  return templates.map((id) => ({ op: 'replace', kind: 'template', id: `${id} (finish re-linking its shares)` }));
}

/** The registry's form of a link being moved. */
function pendingLink(template: string, item: PolicyItem): PendingLink {
  const entity = (value: { entityType?: string; entityId?: string } | undefined) => ({
    entityType: value?.entityType ?? '',
    entityId: value?.entityId ?? '',
  });
  const name = item.name === undefined ? undefined : bare(item.name);
  return {
    template,
    ...(name === undefined ? {} : { name }),
    principal: entity(item.principal ?? item.definition?.templateLinked?.principal),
    resource: entity(item.resource ?? item.definition?.templateLinked?.resource),
  };
}

/** Whether a listed link is the pending one (same principal and resource). */
function samePolicy(item: PolicyItem, link: PendingLink): boolean {
  const moved = pendingLink(link.template, item);
  return JSON.stringify([moved.principal, moved.resource]) === JSON.stringify([link.principal, link.resource]);
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
