import { BINDING_KINDS, type Binding, bindingKey, describeBinding, makeBinding } from '../registry/binding';
import { validateNewTenant, validateRole, validateSub } from '../registry/registry-rules';
import type { Tenant, TenantStatus } from '../registry/tenant';
import {
  BATCH_GET_KEY_LIMIT,
  type CompleteTenant,
  completeTenantActions,
  type LookupRequest,
  type RegistryLookup,
  type TenantAdmin,
  TRANSACTION_ACTION_LIMIT,
} from '../registry/tenant-admin';
import type { Tiers } from '../registry/tiers';
import { CONFLICT_RETRIES } from '../registry/writable-registry-table';
import {
  BindingConflictError,
  InvalidInputError,
  RegistryUnavailableError,
  SeatLimitError,
  TenantInactiveError,
} from '../runtime/errors';
import { isRecord } from '../runtime/is-record';
import { concurrencyLimit } from './concurrency-limit';
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
  /** Lookups and tenants written step by step in flight at once (default 16); each tenant's writes stay in order. */
  readonly concurrency?: number | undefined;
  /**
   * Grouped transactions (up to 100 actions each) in flight at once (default 1): DynamoDB Local slows down
   * with more; on AWS, as many as the table's write capacity allows (docs/operations.md "Import").
   */
  readonly transactions?: number | undefined;
  /** Called after each tenant of a phase (`check`, then `write`) with how many of the seed are done. */
  readonly onProgress?: ((phase: 'check' | 'write', done: number, total: number) => void) | undefined;
}

/** How many lookups and step-by-step tenant writes `importSeed` runs at once by default. */
export const DEFAULT_IMPORT_CONCURRENCY = 16;
/** How many grouped transactions `importSeed` has in flight by default. */
export const DEFAULT_IMPORT_TRANSACTIONS = 1;

/** What the check phase found for one tenant: the tenant as it is, and the members it does not hold yet. */
interface TenantState {
  readonly existing: Tenant | undefined;
  readonly pending: readonly SeedMember[];
}

/**
 * Writes a validated seed: creates missing tenants, brings existing ones to the seed's tier, status and role
 * mappings, and adds the bindings. Every binding and member of every tenant is checked against the registry
 * first, so a binding held by another tenant, a suspended tenant given members or more members than seats
 * fails the import before anything is written. Safe to run again.
 *
 * Round trips are few (docs/operations.md "Import"): the check reads the registry in `BatchGetItem`s of up to
 * 100 keys, and new tenants are created whole, several in one `TransactWriteItems` of up to 100 actions, so a
 * new tenant is either fully imported or absent. A tenant that already exists, or one too large for one
 * transaction, is written step by step as before (each step idempotent). When a grouped transaction is
 * refused because one of its tenants changed since the check, each of its tenants is checked and written on
 * its own, so the others are still written. Tenants sharing a user are written in seed order (`writeUnits`).
 * A failure stops the phase from starting further writes; running the import again completes it.
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
  const states = new Array<TenantState>(seed.length);
  await mapLimited(lookupSlices(seed), concurrency, async (slice) => {
    const found = await registry.lookup(lookupRequest(slice.map((index) => seed[index] as SeedTenant)));
    for (const index of slice) {
      states[index] = judge(seed[index] as SeedTenant, found, registry.tiers);
      checked();
    }
  });
  const written = progress('write');
  const outcomes = new Array<'created' | 'updated'>(seed.length);
  const units = writeUnits(seed, states);
  const turns = unitTurns(units);
  const transactions = concurrencyLimit(options.transactions ?? DEFAULT_IMPORT_TRANSACTIONS);
  // The first failure: units still queued (behind the transaction limit) write nothing after it.
  let failure: { error: unknown } | undefined;
  const unlessFailed = () => {
    if (failure !== undefined) throw failure.error;
  };
  const failed = (error: unknown): never => {
    failure ??= { error };
    throw error;
  };
  await mapLimited(units, concurrency, (unit, index) =>
    turns.run(index, async () => {
      try {
        if (unit.grouped) {
          // Recorded before the slot passes on, so the transaction queued next sees it.
          const conflicts = await transactions(() => {
            unlessFailed();
            return registry.createTenants(unit.tenants.map((t) => completeOf(t))).catch(failed);
          });
          if (conflicts === undefined) {
            for (const t of unit.tenants) outcomes[t] = 'created';
          } else {
            // Something changed since the check (nothing of the group was written): each tenant on its own.
            const alone = await Promise.allSettled(unit.tenants.map((t) => writeAlone(t)));
            const refused = alone.find((result) => result.status === 'rejected');
            if (refused !== undefined) throw refused.reason;
          }
        } else {
          unlessFailed();
          for (const t of unit.tenants) outcomes[t] = await writeStepByStep(t, states[t] as TenantState);
        }
      } catch (error) {
        failed(error);
      }
      for (const _ of unit.tenants) written();
    }),
  );
  return {
    created: seed.filter((_, index) => outcomes[index] === 'created').map((tenant) => tenant.tenantId),
    updated: seed.filter((_, index) => outcomes[index] === 'updated').map((tenant) => tenant.tenantId),
    bindings: seed.reduce((sum, tenant) => sum + tenant.bindings.length, 0),
    members: states.reduce((sum, state) => sum + state.pending.length, 0),
  };

  /** The new tenant at `index` as `createTenants` writes it, with the members it does not hold yet. */
  function completeOf(index: number, state = states[index] as TenantState): CompleteTenant {
    const tenant = seed[index] as SeedTenant;
    return { tenant, members: state.pending, bindings: tenant.bindings };
  }

  /** Checks the tenant at `index` again and writes it alone: whole when it is new, else step by step. */
  async function writeAlone(index: number): Promise<void> {
    const tenant = seed[index] as SeedTenant;
    for (let attempt = 0; attempt <= CONFLICT_RETRIES; attempt++) {
      const state = judge(tenant, await registry.lookup(lookupRequest([tenant])), registry.tiers);
      if (state.existing !== undefined) {
        outcomes[index] = await writeStepByStep(index, state);
        return;
      }
      // Created meanwhile by someone else, or a member joined: read again and take the path that fits.
      if ((await registry.createTenants([completeOf(index, state)])) === undefined) {
        outcomes[index] = 'created';
        return;
      }
    }
    throw new RegistryUnavailableError('importTenant');
  }

  /** The tenant at `index` written one registry call after another, each idempotent (an existing tenant, or a large one). */
  async function writeStepByStep(index: number, state: TenantState): Promise<'created' | 'updated'> {
    const tenant = seed[index] as SeedTenant;
    const existing = await registry.getTenant(tenant.tenantId, { consistent: true });
    let outcome: 'created' | 'updated';
    if (existing === undefined) {
      // A new tenant takes its members while active, then gets the seed's status: nobody else can be in it.
      await registry.createTenant({ ...tenant, status: 'active' });
      for (const member of state.pending) {
        await registry.addMember({ tenantId: tenant.tenantId, sub: member.sub, role: member.role, source: 'adopt' });
      }
      if (tenant.status !== 'active') await registry.setStatus(tenant.tenantId, tenant.status);
      outcome = 'created';
    } else {
      for (const member of state.pending) {
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
    return outcome;
  }
}

/** The keys the check reads for `tenants`: each tenant, its members' memberships, its bindings. */
function lookupRequest(tenants: readonly SeedTenant[]): LookupRequest {
  return {
    tenantIds: tenants.map((tenant) => tenant.tenantId),
    memberships: tenants.flatMap((tenant) =>
      tenant.members.map((member) => ({ tenantId: tenant.tenantId, sub: member.sub })),
    ),
    bindings: tenants.flatMap((tenant) => tenant.bindings),
  };
}

/** The seed's indexes cut into consecutive slices of at most 100 keys to read (a larger tenant alone). */
function lookupSlices(seed: readonly SeedTenant[]): number[][] {
  const slices: number[][] = [];
  let current: number[] = [];
  let size = 0;
  seed.forEach((tenant, index) => {
    const keys = 1 + tenant.members.length + tenant.bindings.length;
    if (current.length > 0 && size + keys > BATCH_GET_KEY_LIMIT) {
      slices.push(current);
      current = [];
      size = 0;
    }
    current.push(index);
    size += keys;
  });
  if (current.length > 0) slices.push(current);
  return slices;
}

/**
 * What the registry holds of `tenant`, refusing what no write may change: a binding held by another tenant,
 * members for a tenant that is not active (never reactivated behind the operator's back), or more members
 * than the tier's seats (checked again by each write's condition).
 */
function judge(tenant: SeedTenant, found: RegistryLookup, tiers: Tiers): TenantState {
  for (const binding of tenant.bindings) {
    const holder = found.holder(binding);
    if (holder !== undefined && holder !== tenant.tenantId) {
      throw new BindingConflictError(describeBinding(binding), holder);
    }
  }
  // Already a member: left as it is (its role included), so a re-import changes nothing.
  const pending = tenant.members.filter((member) => !found.isMember(tenant.tenantId, member.sub));
  const existing = found.tenant(tenant.tenantId);
  if (existing !== undefined && existing.status !== 'active' && pending.length > 0) {
    throw new TenantInactiveError(tenant.tenantId, existing.status);
  }
  const tier = existing?.tier ?? tenant.tier;
  const seatLimit = tiers.get(tier).seatLimit;
  if (pending.length > 0 && (existing?.seats ?? 0) + pending.length > seatLimit) {
    throw new SeatLimitError(tenant.tenantId, seatLimit, tier);
  }
  return { existing, pending };
}

/** Tenants written together: a grouped unit is one `createTenants` transaction; `waits`: earlier units first. */
interface WriteUnit {
  readonly tenants: number[];
  readonly grouped: boolean;
  readonly waits: Set<number>;
}

/**
 * Cuts the write phase into units, in seed order. New tenants that fit are grouped, up to 100 actions a
 * transaction. A user listed in several tenants is added to them in seed order (its first membership is the
 * active one): a tenant waits for the unit of the earlier tenant it shares a user with, and is never grouped
 * with it or after a unit it waits for (a unit only ever waits for units before it, so no wait is circular,
 * and units start in order, so an awaited unit has always started). Tenants sharing nobody run freely.
 */
function writeUnits(seed: readonly SeedTenant[], states: readonly TenantState[]): WriteUnit[] {
  const units: WriteUnit[] = [];
  const lastUnitOf = new Map<string, number>();
  let open: { index: number; actions: number } | undefined;
  seed.forEach((tenant, t) => {
    const state = states[t] as TenantState;
    const waits = new Set<number>();
    for (const member of tenant.members) {
      const before = lastUnitOf.get(member.sub);
      if (before !== undefined) waits.add(before);
    }
    const actions =
      state.existing === undefined
        ? completeTenantActions({ tenant, members: state.pending, bindings: tenant.bindings })
        : Number.POSITIVE_INFINITY;
    let index: number;
    if (actions <= TRANSACTION_ACTION_LIMIT) {
      const joins =
        open !== undefined &&
        open.actions + actions <= TRANSACTION_ACTION_LIMIT &&
        [...waits].every((before) => before < (open?.index ?? 0));
      if (!joins || open === undefined) {
        open = { index: units.length, actions: 0 };
        units.push({ tenants: [], grouped: true, waits: new Set() });
      }
      index = open.index;
      open.actions += actions;
    } else {
      index = units.length;
      units.push({ tenants: [], grouped: false, waits: new Set() });
    }
    const unit = units[index] as WriteUnit;
    unit.tenants.push(t);
    for (const before of waits) unit.waits.add(before);
    for (const member of tenant.members) lastUnitOf.set(member.sub, index);
  });
  return units;
}

/** Runs each unit after the units it waits for; a unit fails when one it waits for failed. */
function unitTurns(units: readonly WriteUnit[]) {
  const finished = units.map(() => {
    let resolve = (): void => undefined;
    let reject = (_error: unknown): void => undefined;
    const promise = new Promise<void>((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    return { promise, resolve, reject };
  });
  // A failed unit nobody waits for must not be an unhandled rejection.
  for (const turn of finished) turn.promise.catch(() => undefined);
  return {
    async run(index: number, write: () => Promise<void>): Promise<void> {
      const turn = finished[index];
      try {
        await Promise.all([...(units[index]?.waits ?? [])].map((before) => finished[before]?.promise));
        await write();
        turn?.resolve();
      } catch (error) {
        turn?.reject(error);
        throw error;
      }
    },
  };
}
