import { BINDING_KINDS, type Binding, bindingKey, describeBinding, makeBinding } from '../registry/binding';
import { validateNewTenant, validateRole, validateSub } from '../registry/registry-rules';
import type { TenantStatus } from '../registry/tenant';
import type { TenantAdmin } from '../registry/tenant-admin';
import type { Tiers } from '../registry/tiers';
import { BindingConflictError, InvalidInputError, TenantInactiveError } from '../runtime/errors';
import { isRecord } from '../runtime/is-record';

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

/**
 * Parses and validates a seed file (`{"tenants": [...]}`, see `events/tenants.json`) completely before
 * anything is written, with the registry's own rules (`validateNewTenant`, `validateSub`, `validateRole`, the
 * binding formats), plus what only a whole file can break: no tenant or binding listed twice, no user listed
 * twice in one tenant (a user may be a member of several). Throws `InvalidInputError` naming the first
 * problem and where it is.
 */
export function parseSeed(text: string, tiers: Tiers): SeedTenant[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`seed file is not valid JSON: ${(error as Error).message}`, 'seed');
  }
  if (!isRecord(document) || !Array.isArray(document.tenants)) {
    throw new InvalidInputError('seed file must be an object with a "tenants" array', 'seed');
  }
  const seen = new Map<string, string>();
  const ids = new Set<string>();
  return document.tenants.map((entry: unknown, index: number) => {
    const where = `tenants[${index}]`;
    const tenant = located(where, () => {
      if (!isRecord(entry)) throw new InvalidInputError('must be an object', 'seed');
      const unknown = Object.keys(entry).filter((key) => !TENANT_FIELDS.has(key));
      if (unknown.length > 0) throw new InvalidInputError(`has unknown field(s): ${unknown.join(', ')}`, 'seed');
      if (entry.tenantId === undefined) throw new InvalidInputError('needs a tenantId', 'seed');
      if (entry.roleMappings !== undefined && !isRecord(entry.roleMappings)) {
        throw new InvalidInputError('roleMappings must map IdP group names to role names', 'seed');
      }
      const valid = validateNewTenant(
        {
          tenantId: entry.tenantId as string,
          name: entry.name as string,
          tier: entry.tier as string,
          status: entry.status as TenantStatus | undefined,
          roleMappings: entry.roleMappings as Record<string, string> | undefined,
        },
        tiers,
      );
      if (ids.has(valid.tenantId)) throw new InvalidInputError(`tenant ${valid.tenantId} is listed twice`, 'seed');
      ids.add(valid.tenantId);
      return { ...valid, bindings: listOf(entry.bindings, 'bindings'), members: listOf(entry.members, 'members') };
    });
    const bindings = tenant.bindings.map((raw, b) =>
      located(`${where}.bindings[${b}]`, () => {
        const binding = parseSeedBinding(raw);
        const key = bindingKey(binding);
        const holder = seen.get(key);
        if (holder !== undefined) {
          throw new InvalidInputError(
            `${describeBinding(binding)} is listed for both ${holder} and ${tenant.tenantId}`,
            'seed',
          );
        }
        seen.set(key, tenant.tenantId);
        return binding;
      }),
    );
    // A user may be a member of several tenants, once each.
    const subs = new Set<string>();
    const members = tenant.members.map((raw, m) =>
      located(`${where}.members[${m}]`, () => {
        if (!isRecord(raw)) throw new InvalidInputError('must be an object', 'seed');
        const sub = validateSub(raw.sub);
        if (subs.has(sub)) throw new InvalidInputError(`user ${sub} is listed twice in ${tenant.tenantId}`, 'seed');
        subs.add(sub);
        return { sub, role: validateRole(raw.role ?? 'tenant-member') };
      }),
    );
    return { ...tenant, bindings, members };
  });
}

/** Runs `check`, prefixing the message of an `InvalidInputError` with where in the file it happened. */
function located<T>(where: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof InvalidInputError) throw new InvalidInputError(`${where}: ${error.message}`, 'seed');
    throw error;
  }
}

function listOf(value: unknown, field: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidInputError(`${field} must be a list`, 'seed');
  return value;
}

function parseSeedBinding(raw: unknown): Binding {
  if (!isRecord(raw) || typeof raw.kind !== 'string' || !(BINDING_KINDS as readonly string[]).includes(raw.kind)) {
    throw new InvalidInputError(`kind must be one of ${BINDING_KINDS.join(', ')}`, 'seed');
  }
  const kind = raw.kind as Binding['kind'];
  const field = { pool: 'userPoolId', idp: 'userPoolId', client: 'clientId', domain: 'domain' }[kind];
  const value = raw[field];
  if (typeof value !== 'string') throw new InvalidInputError(`${field} must be a string`, 'seed');
  return makeBinding(kind, value, typeof raw.providerName === 'string' ? raw.providerName : undefined);
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
      // Already a member: left as it is (its role included), so a re-import changes nothing.
      const current = await registry.getMembership(tenant.tenantId, member.sub, { consistent: true });
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
