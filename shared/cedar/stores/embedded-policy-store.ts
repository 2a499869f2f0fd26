import { TenancyError } from '../../runtime/errors';
import type { PolicyFiles } from './policy-files';
import { type PolicyChange, planChanges } from './policy-plan';
import type { PolicyStoreAdmin } from './policy-store-admin';
import type { PolicyStoreRecord } from './policy-store-registry';

/**
 * The embedded engine's policy "store": the tenant's policy set in the registry's `POLICY_STORE` item. A sync
 * writes the whole set in one conditional write, so a failure leaves the old set complete, and a re-run
 * finishes the job.
 */
export class EmbeddedPolicyStore {
  readonly kind = 'embedded';
  readonly #registry: PolicyStoreAdmin;

  constructor(registry: PolicyStoreAdmin) {
    this.#registry = registry;
  }

  /** Creates the tenant's policy set with the repository's policies; idempotent (`created: false` if it exists). */
  async create(
    tenantId: string,
    files: PolicyFiles,
    _schema?: string,
  ): Promise<{ created: boolean; record: PolicyStoreRecord }> {
    const existing = await this.#registry.getRecord(tenantId, { consistent: true });
    if (existing !== undefined && hasEmbeddedSet(existing)) return { created: false, record: existing };
    const record = await this.#registry.putRecord(
      {
        tenantId,
        ...(existing?.policyStoreId === undefined ? {} : { policyStoreId: existing.policyStoreId }),
        avpTemplateIds: existing?.avpTemplateIds ?? {},
        policies: files.policies,
        templates: files.templates,
      },
      existing?.version,
    );
    return { created: true, record };
  }

  /** What would change to bring the tenant's set to the repository's; `undefined` if it has no set. */
  async plan(tenantId: string, files: PolicyFiles, _schema?: string): Promise<PolicyChange[] | undefined> {
    const record = await this.#registry.getRecord(tenantId, { consistent: true });
    if (record === undefined || !hasEmbeddedSet(record)) return undefined;
    // The embedded engine keeps no schema: the sync validated the policies against it before writing.
    return planChanges({ policies: files.policies, templates: files.templates }, record);
  }

  /** Applies the repository's policies and templates to the tenant's set (add, update, delete). */
  async apply(tenantId: string, files: PolicyFiles, _schema?: string): Promise<void> {
    const record = await this.#registry.getRecord(tenantId, { consistent: true });
    if (record === undefined || !hasEmbeddedSet(record)) {
      throw new TenancyError(`tenant ${tenantId} has no embedded policy set`);
    }
    // A template removed here revokes its shares: the engine leaves links to a missing template out.
    await this.#registry.putRecord({ ...record, policies: files.policies, templates: files.templates }, record.version);
  }
}

/** Whether a record holds an embedded policy set (a record may hold only an AVP store id). */
const hasEmbeddedSet = (record: PolicyStoreRecord): boolean =>
  Object.keys(record.policies).length + Object.keys(record.templates).length > 0;
