import { BINDING_KINDS, type Binding, bindingKey, describeBinding, makeBinding } from './binding';
import { BindingConflictError, InvalidInputError } from './errors';
import { isTenantStatus, type TenantStatus } from './tenant';
import { assertTenantId } from './tenant-id';
import type { TenantRegistry } from './tenant-registry';

/** One tenant of a seed file, validated. */
export interface SeedTenant {
  readonly tenantId: string;
  readonly name: string;
  readonly tier: string;
  readonly status: TenantStatus;
  readonly roleMappings: Readonly<Record<string, string>>;
  readonly bindings: readonly Binding[];
}

/** What `importSeed` did, per tenant. */
export interface SeedResult {
  readonly created: string[];
  readonly updated: string[];
  readonly bindings: number;
}

const TENANT_FIELDS = new Set(['tenantId', 'name', 'tier', 'status', 'roleMappings', 'bindings']);

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
    return {
      tenantId,
      name: entry.name,
      tier: entry.tier,
      status,
      roleMappings: roleMappings as Record<string, string>,
      bindings,
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
export async function importSeed(registry: TenantRegistry, seed: readonly SeedTenant[]): Promise<SeedResult> {
  for (const tenant of seed) {
    for (const binding of tenant.bindings) {
      const holder = await registry.resolveBinding(binding);
      if (holder !== undefined && holder !== tenant.tenantId) {
        throw new BindingConflictError(describeBinding(binding), holder);
      }
    }
  }
  const created: string[] = [];
  const updated: string[] = [];
  let bindings = 0;
  for (const tenant of seed) {
    const existing = await registry.getTenant(tenant.tenantId, { consistent: true });
    if (existing === undefined) {
      await registry.createTenant(tenant);
      created.push(tenant.tenantId);
    } else {
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
  return { created, updated, bindings };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
