import { BINDING_KINDS, type Binding, bindingKey, describeBinding, makeBinding } from '../registry/binding';
import { validateNewTenant, validateRole, validateSub } from '../registry/registry-rules';
import type { TenantStatus } from '../registry/tenant';
import type { TenantAdmin } from '../registry/tenant-admin';
import type { Tiers } from '../registry/tiers';
import { BindingConflictError, InvalidInputError, TenantInactiveError } from '../runtime/errors';
import { isRecord } from '../runtime/is-record';
import { mapLimited } from './map-limited';

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

/** Options of `importSeed`. */
export interface ImportOptions {
  /** Tenants checked and written at the same time (default 16): the registry calls of one tenant stay in order. */
  readonly concurrency?: number | undefined;
  /** Called after each tenant of a phase (`check`, then `write`) with how many of the seed are done. */
  readonly onProgress?: ((phase: 'check' | 'write', done: number, total: number) => void) | undefined;
}

/** How many tenants `importSeed` checks and writes at once by default. */
export const DEFAULT_IMPORT_CONCURRENCY = 16;

/**
 * Writes a validated seed: creates missing tenants, brings existing ones to the seed's tier, status and role
 * mappings, and adds the bindings. Every binding and member of every tenant is checked against the registry
 * first, so a binding held by another tenant fails the import before anything is written. Safe to run again.
 *
 * Tenants list no binding twice (`parseSeed`), so both phases run `concurrency` tenants at once; each tenant's
 * own calls stay in order, and tenants sharing a user are written in seed order (`memberTurns`). A failure
 * stops the phase from starting further tenants; a write phase interrupted that way is completed by running the import again.
 */
export async function importSeed(
  registry: TenantAdmin,
  seed: readonly SeedTenant[],
  options: ImportOptions = {},
): Promise<SeedResult> {
  const concurrency = options.concurrency ?? DEFAULT_IMPORT_CONCURRENCY;
  const progress = (phase: 'check' | 'write') => {
    let done = 0;
    return () => options.onProgress?.(phase, ++done, seed.length);
  };
  const checked = progress('check');
  const pendingMembers = await mapLimited(seed, concurrency, async (tenant) => {
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
    checked();
    return pending;
  });
  const written = progress('write');
  const turns = memberTurns(seed);
  const outcomes = await mapLimited(seed, concurrency, (tenant, index) =>
    turns.run(index, () => writeTenant(tenant, pendingMembers[index] ?? [])),
  );
  return {
    created: seed.filter((_, index) => outcomes[index] === 'created').map((tenant) => tenant.tenantId),
    updated: seed.filter((_, index) => outcomes[index] === 'updated').map((tenant) => tenant.tenantId),
    bindings: seed.reduce((sum, tenant) => sum + tenant.bindings.length, 0),
    members: pendingMembers.reduce((sum, pending) => sum + pending.length, 0),
  };

  async function writeTenant(tenant: SeedTenant, pending: readonly SeedMember[]): Promise<'created' | 'updated'> {
    const existing = await registry.getTenant(tenant.tenantId, { consistent: true });
    let outcome: 'created' | 'updated';
    if (existing === undefined) {
      // A new tenant takes its members while active, then gets the seed's status: nobody else can be in it.
      await registry.createTenant({ ...tenant, status: 'active' });
      for (const member of pending) {
        await registry.addMember({ tenantId: tenant.tenantId, sub: member.sub, role: member.role, source: 'adopt' });
      }
      if (tenant.status !== 'active') await registry.setStatus(tenant.tenantId, tenant.status);
      outcome = 'created';
    } else {
      for (const member of pending) {
        await registry.addMember({ tenantId: tenant.tenantId, sub: member.sub, role: member.role, source: 'adopt' });
      }
      if (existing.tier !== tenant.tier) await registry.setTier(tenant.tenantId, tenant.tier);
      if (existing.status !== tenant.status) await registry.setStatus(tenant.tenantId, tenant.status);
      if (JSON.stringify(existing.roleMappings) !== JSON.stringify(tenant.roleMappings)) {
        await registry.setRoleMappings(tenant.tenantId, tenant.roleMappings);
      }
      outcome = 'updated';
    }
    for (const binding of tenant.bindings) await registry.bind(tenant.tenantId, binding);
    written();
    return outcome;
  }
}

/**
 * The order the write phase keeps between tenants that share a member: a user listed in several tenants is
 * added to them in seed order (its first membership is the active one), so a tenant's write waits for the
 * earlier tenant it shares a user with, and fails when that one failed. Tenants sharing nobody run freely.
 * Tasks start in seed order (`mapLimited`), so an awaited tenant has always started: nothing waits on a
 * tenant that waits for a free slot.
 */
function memberTurns(seed: readonly SeedTenant[]) {
  const previous = new Map<string, number>();
  const waits = seed.map((tenant, index) => {
    const earlier = new Set<number>();
    for (const member of tenant.members) {
      const before = previous.get(member.sub);
      if (before !== undefined) earlier.add(before);
      previous.set(member.sub, index);
    }
    return [...earlier];
  });
  const finished = seed.map(() => {
    let resolve = (): void => undefined;
    let reject = (_error: unknown): void => undefined;
    const promise = new Promise<void>((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    return { promise, resolve, reject };
  });
  // A failed tenant nobody waits for must not be an unhandled rejection.
  for (const turn of finished) turn.promise.catch(() => undefined);
  return {
    async run<R>(index: number, write: () => Promise<R>): Promise<R> {
      const turn = finished[index];
      try {
        await Promise.all((waits[index] ?? []).map((before) => finished[before]?.promise));
        const result = await write();
        turn?.resolve();
        return result;
      } catch (error) {
        turn?.reject(error);
        throw error;
      }
    },
  };
}
