import type { PolicyFiles } from './policy-files';
import type { PolicyChange } from './policy-plan';
import type { PolicyStoreRecord } from './policy-store-registry';

/** What `policy-store create`, `policies sync` and `policies show` need of either engine's store. */
export interface PolicyStoreBackend {
  readonly kind: 'avp' | 'embedded';
  create(
    tenantId: string,
    files: PolicyFiles,
    schema: string,
  ): Promise<{ created: boolean; record: PolicyStoreRecord }>;
  plan(tenantId: string, files: PolicyFiles, schema: string): Promise<PolicyChange[] | undefined>;
  apply(tenantId: string, files: PolicyFiles, schema: string): Promise<void>;
}

/** The outcome of a sync for one tenant's store. */
export interface StoreSyncResult {
  readonly tenantId: string;
  /** `drift`: differences found in a dry run; `updated`: differences applied; `missing`: no store yet. */
  readonly status: 'in-sync' | 'drift' | 'updated' | 'missing' | 'failed';
  readonly changes: readonly PolicyChange[];
  readonly error?: string;
}

/**
 * Applies the repository's policy model to every tenant's store, one store at a time, and reports each
 * store's drift. A store that fails does not stop the others; running the sync again recomputes every
 * store's difference from what it holds, so it finishes what a failed run left.
 */
export async function syncPolicyStores(
  backend: PolicyStoreBackend,
  tenantIds: readonly string[],
  files: PolicyFiles,
  schema: string,
  options: { dryRun: boolean },
): Promise<StoreSyncResult[]> {
  const results: StoreSyncResult[] = [];
  for (const tenantId of tenantIds) {
    try {
      const changes = await backend.plan(tenantId, files, schema);
      if (changes === undefined) results.push({ tenantId, status: 'missing', changes: [] });
      else if (changes.length === 0) results.push({ tenantId, status: 'in-sync', changes });
      else if (options.dryRun) results.push({ tenantId, status: 'drift', changes });
      else {
        await backend.apply(tenantId, files, schema);
        results.push({ tenantId, status: 'updated', changes });
      }
    } catch (error) {
      results.push({
        tenantId,
        status: 'failed',
        changes: [],
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return results;
}
