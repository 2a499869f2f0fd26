import { BINDING_KINDS, type Binding, bindingKey, describeBinding, makeBinding } from '../registry/binding';
import { isTenantStatus, type TenantStatus } from '../registry/tenant';
import type { TenantAdmin } from '../registry/tenant-admin';
import { assertTenantId } from '../registry/tenant-id';
import {
  BindingConflictError,
  InvalidInputError,
  MembershipConflictError,
  TenantInactiveError,
} from '../runtime/errors';

/** One tenant of a seed file, validated. */
export interface SeedTenant {
  readonly tenantId: string;
  readonly name: string;
  readonly tier: string;
  readonly status: TenantStatus;
  readonly roleMappings: Readonly<Record<string, string>>;
  readonly bindings: readonly Binding[];
  /** Users vouched for by the operator (like `adopt`), e.g. the users of the sample events. */
  readonly members: readonly SeedMember[];
}

/** A member listed in a seed file. */
export interface SeedMember {
  readonly sub: string;
  readonly role: string;
}

/** What `importSeed` did, per tenant. */
export interface SeedResult {
  readonly created: string[];
  readonly updated: string[];
  readonly bindings: number;
  readonly members: number;
}

const TENANT_FIELDS = new Set(['tenantId', 'name', 'tier', 'status', 'roleMappings', 'bindings', 'members']);
const SUB = /^[\w-]{1,128}$/;
const ROLE = /^[A-Za-z0-9][\w.-]{0,127}$/;

/**
 * Parses and validates a seed file (`{"tenants": [...]}`, see `events/tenants.json`) completely before
 * anything is written: ids, tiers, statuses, bindings, and no binding listed twice. Throws
 * `InvalidInputError` naming the first problem and where it is.
 */
export function parseSeed(text: string, knownTiers: (tier: string) => boolean): SeedTenant[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`seed file is not valid JSON: ${(error as Error).message}`, 'seed');
  }
  if (!isObject(document) || !Array.isArray(document.tenants)) {
    throw new InvalidInputError('seed file must be an object with a "tenants" array', 'seed');
  }
  const seen = new Map<string, string>();
  const ids = new Set<string>();
  const subs = new Set<string>();
  return document.tenants.map((entry: unknown, index: number) => {
    const where = `tenants[${index}]`;
    if (!isObject(entry)) throw new InvalidInputError(`${where} must be an object`, 'seed');
    const unknown = Object.keys(entry).filter((key) => !TENANT_FIELDS.has(key));
    if (unknown.length > 0) throw new InvalidInputError(`${where} has unknown field(s): ${unknown.join(', ')}`, 'seed');
    const tenantId = assertTenantId(entry.tenantId);
    if (ids.has(tenantId)) throw new InvalidInputError(`${where}: tenant ${tenantId} is listed twice`, 'seed');
    ids.add(tenantId);
    if (typeof entry.name !== 'string') throw new InvalidInputError(`${where}.name must be a string`, 'seed');
    if (typeof entry.tier !== 'string' || !knownTiers(entry.tier)) {
      throw new InvalidInputError(`${where}: unknown tier ${JSON.stringify(entry.tier)}`, 'seed');
    }
    const status = entry.status ?? 'active';
    if (!isTenantStatus(status))
      throw new InvalidInputError(`${where}: invalid status ${JSON.stringify(status)}`, 'seed');
    const roleMappings = entry.roleMappings ?? {};
    if (!isObject(roleMappings) || !Object.values(roleMappings).every((role) => typeof role === 'string')) {
      throw new InvalidInputError(`${where}.roleMappings must map IdP group names to role names`, 'seed');
    }
    const bindings = (Array.isArray(entry.bindings) ? entry.bindings : []).map((raw: unknown, b: number) => {
      const binding = parseSeedBinding(raw, `${where}.bindings[${b}]`);
      const key = bindingKey(binding);
      const holder = seen.get(key);
      if (holder !== undefined) {
        throw new InvalidInputError(`${describeBinding(binding)} is listed for both ${holder} and ${tenantId}`, 'seed');
      }
      seen.set(key, tenantId);
      return binding;
    });
    const members = (Array.isArray(entry.members) ? entry.members : []).map((raw: unknown, m: number) => {
      const member = `${where}.members[${m}]`;
      if (!isObject(raw) || typeof raw.sub !== 'string' || !SUB.test(raw.sub)) {
        throw new InvalidInputError(`${member}.sub must be a user sub`, 'seed');
      }
      if (subs.has(raw.sub)) throw new InvalidInputError(`${member}: user ${raw.sub} is listed twice`, 'seed');
      subs.add(raw.sub);
      const role = raw.role ?? 'tenant-member';
      if (typeof role !== 'string' || !ROLE.test(role))
        throw new InvalidInputError(`${member}.role is invalid`, 'seed');
      return { sub: raw.sub, role };
    });
    return {
      tenantId,
      name: entry.name,
      tier: entry.tier,
      status,
      roleMappings: roleMappings as Record<string, string>,
      bindings,
      members,
    };
  });
}

function parseSeedBinding(raw: unknown, where: string): Binding {
  if (!isObject(raw) || typeof raw.kind !== 'string' || !(BINDING_KINDS as readonly string[]).includes(raw.kind)) {
    throw new InvalidInputError(`${where}.kind must be one of ${BINDING_KINDS.join(', ')}`, 'seed');
  }
  const field = { pool: 'userPoolId', idp: 'userPoolId', client: 'clientId', domain: 'domain' }[
    raw.kind as Binding['kind']
  ];
  const value = raw[field];
  if (typeof value !== 'string') throw new InvalidInputError(`${where}.${field} must be a string`, 'seed');
  const providerName = typeof raw.providerName === 'string' ? raw.providerName : undefined;
  return makeBinding(raw.kind as Binding['kind'], value, providerName);
}

/**
 * Writes a validated seed: creates missing tenants, brings existing ones to the seed's tier, status and role
 * mappings, and adds the bindings. Every binding is checked against the registry first, so a binding held by
 * another tenant fails the import before anything is written. Safe to run again.
 */
export async function importSeed(registry: TenantAdmin, seed: readonly SeedTenant[]): Promise<SeedResult> {
  const pendingMembers = new Map<string, SeedMember[]>();
  for (const tenant of seed) {
    for (const binding of tenant.bindings) {
      const holder = await registry.resolveBinding(binding);
      if (holder !== undefined && holder !== tenant.tenantId) {
        throw new BindingConflictError(describeBinding(binding), holder);
      }
    }
    const pending: SeedMember[] = [];
    for (const member of tenant.members) {
      const current = await registry.getUserTenantId(member.sub, { consistent: true });
      if (current !== undefined && current !== tenant.tenantId) throw new MembershipConflictError(member.sub, current);
      if (current === undefined) pending.push(member);
    }
    // Members join only active tenants; a suspended one is never reactivated behind the operator's back.
    const existing = await registry.getTenant(tenant.tenantId, { consistent: true });
    if (existing !== undefined && existing.status !== 'active' && pending.length > 0) {
      throw new TenantInactiveError(tenant.tenantId, existing.status);
    }
    pendingMembers.set(tenant.tenantId, pending);
  }
  const created: string[] = [];
  const updated: string[] = [];
  let bindings = 0;
  let members = 0;
  for (const tenant of seed) {
    const existing = await registry.getTenant(tenant.tenantId, { consistent: true });
    const pending = pendingMembers.get(tenant.tenantId) ?? [];
    if (existing === undefined) {
      // A new tenant takes its members while active, then gets the seed's status: nobody else can be in it.
      await registry.createTenant({ ...tenant, status: 'active' });
      for (const member of pending) {
        await registry.addMember({ tenantId: tenant.tenantId, sub: member.sub, role: member.role, source: 'adopt' });
      }
      if (tenant.status !== 'active') await registry.setStatus(tenant.tenantId, tenant.status);
      created.push(tenant.tenantId);
    } else {
      for (const member of pending) {
        await registry.addMember({ tenantId: tenant.tenantId, sub: member.sub, role: member.role, source: 'adopt' });
      }
      if (existing.tier !== tenant.tier) await registry.setTier(tenant.tenantId, tenant.tier);
      if (existing.status !== tenant.status) await registry.setStatus(tenant.tenantId, tenant.status);
      if (JSON.stringify(existing.roleMappings) !== JSON.stringify(tenant.roleMappings)) {
        await registry.setRoleMappings(tenant.tenantId, tenant.roleMappings);
      }
      updated.push(tenant.tenantId);
    }
    for (const binding of tenant.bindings) {
      await registry.bind(tenant.tenantId, binding);
      bindings++;
    }
  }
  for (const pending of pendingMembers.values()) members += pending.length;
  return { created, updated, bindings, members };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
