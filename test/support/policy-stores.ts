import type { ShareLink } from '../../shared/cedar/policy-set';
import type { PolicyStoreRecord } from '../../shared/cedar/stores/policy-store-registry';
import { repositoryPolicySet } from './policies';

/** In-memory stand-in for the registry's policy items, for pure unit tests of `decide`. */
export class MemoryPolicyStores {
  readonly records = new Map<string, PolicyStoreRecord>();
  readonly links = new Map<string, ShareLink[]>();
  reads = 0;

  /** Gives `tenantId` the repository's policy set (and an AVP store id). */
  addTenant(tenantId: string, policyStoreId = `ps-${tenantId}`): this {
    const { policies, templates } = repositoryPolicySet();
    this.records.set(tenantId, {
      tenantId,
      policyStoreId,
      version: 1,
      policies,
      templates,
      avpTemplateIds: {},
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    this.links.set(tenantId, []);
    return this;
  }

  /** Adds a share, as the sharing route does. */
  link(tenantId: string, link: ShareLink): void {
    if (!this.records.has(tenantId)) throw new Error(`no store for ${tenantId}`);
    this.links.get(tenantId)?.push(link);
  }

  async getRecord(tenantId: string): Promise<PolicyStoreRecord | undefined> {
    this.reads++;
    return this.records.get(tenantId);
  }

  async listLinks(tenantId: string): Promise<ShareLink[]> {
    return [...(this.links.get(tenantId) ?? [])];
  }
}
