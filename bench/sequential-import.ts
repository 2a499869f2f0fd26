/**
 * The reference of the import bench: `tenants import` as it ran before grouped writes, at `--concurrency 1`
 * (commit 2b8c8cb, shared/operations/tenant-seed.ts). Tenants one at a time; each tenant's reads (binding
 * holders, memberships, the tenant) and then its writes (tenant, each member, status, each binding) awaited
 * one by one through the registry's one-item calls: about 8 round trips a tenant. Kept here, unchanged in
 * behaviour, so the bench compares against what users had rather than against today's code at concurrency 1.
 */
import type { SeedMember, SeedTenant } from '../shared/operations/tenant-seed';
import { describeBinding } from '../shared/registry/binding';
import type { TenantAdmin } from '../shared/registry/tenant-admin';
import { BindingConflictError, TenantInactiveError } from '../shared/runtime/errors';

/** Imports `seed` as the sequential import did; returns how many tenants it created. */
export async function sequentialImport(registry: TenantAdmin, seed: readonly SeedTenant[]): Promise<number> {
  const pendingMembers: SeedMember[][] = [];
  for (const tenant of seed) {
    for (const binding of tenant.bindings) {
      const holder = await registry.resolveBinding(binding);
      if (holder !== undefined && holder !== tenant.tenantId) {
        throw new BindingConflictError(describeBinding(binding), holder);
      }
    }
    const pending: SeedMember[] = [];
    for (const member of tenant.members) {
      const current = await registry.getMembership(tenant.tenantId, member.sub, { consistent: true });
      if (current === undefined) pending.push(member);
    }
    const existing = await registry.getTenant(tenant.tenantId, { consistent: true });
    if (existing !== undefined && existing.status !== 'active' && pending.length > 0) {
      throw new TenantInactiveError(tenant.tenantId, existing.status);
    }
    pendingMembers.push(pending);
  }
  let created = 0;
  for (const [index, tenant] of seed.entries()) {
    const pending = pendingMembers[index] ?? [];
    const existing = await registry.getTenant(tenant.tenantId, { consistent: true });
    if (existing === undefined) {
      await registry.createTenant({ ...tenant, status: 'active' });
      for (const member of pending) {
        await registry.addMember({ tenantId: tenant.tenantId, sub: member.sub, role: member.role, source: 'adopt' });
      }
      if (tenant.status !== 'active') await registry.setStatus(tenant.tenantId, tenant.status);
      created++;
    } else {
      for (const member of pending) {
        await registry.addMember({ tenantId: tenant.tenantId, sub: member.sub, role: member.role, source: 'adopt' });
      }
      if (existing.tier !== tenant.tier) await registry.setTier(tenant.tenantId, tenant.tier);
      if (existing.status !== tenant.status) await registry.setStatus(tenant.tenantId, tenant.status);
      if (JSON.stringify(existing.roleMappings) !== JSON.stringify(tenant.roleMappings)) {
        await registry.setRoleMappings(tenant.tenantId, tenant.roleMappings);
      }
    }
    for (const binding of tenant.bindings) await registry.bind(tenant.tenantId, binding);
  }
  return created;
}
