import { isClaimsVersion, MAX_CLAIMS_VERSION, VERSION_TEXT_PATTERN } from '@cognito-tenancy/tenant-context';
import { ConfigurationError } from '../runtime/errors';
import { type Env, readInteger, readList, readString, type SettingName } from '../runtime/settings';
import { isReservedClaim } from './reserved-claims';

/** Names of the tenant claims in tokens; the pre-token trigger writes them and the authorizer reads them. */
export interface ClaimNames {
  readonly tenantId: string;
  readonly tier: string;
  /** The claims contract version claim (docs/claims.md "Claims contract"). */
  readonly version: string;
}

/** The tenant claims a migration may rename (the version claim is how a reader finds the names: never renamed). */
export type RenamableClaim = 'tenantId' | 'tier';

/**
 * A claim rename in progress (docs/claims.md "Migrating a claim name"): until `untilMs`, tokens carry each old
 * name next to its new one, and tokens of the previous version (old names only) are still accepted.
 */
export interface ClaimsMigration {
  /** The version tokens issued before the rename carry: the current version minus one. */
  readonly previousVersion: number;
  /** The claim names of the previous version. */
  readonly previousNames: ClaimNames;
  /** Old claim name → the claim it was renamed to. */
  readonly renames: ReadonlyMap<string, RenamableClaim>;
  /** End of the window, milliseconds since the epoch (exclusive). */
  readonly untilMs: number;
}

/** The claim names tokens are issued with, the contract version they follow, and a rename in progress. */
export interface ClaimsContract extends ClaimNames {
  /** The version written into every token (`TENANCY_CLAIMS_VERSION`). */
  readonly claimsVersion: number;
  readonly migration: ClaimsMigration | undefined;
}

/** The version claim's default name: namespaced, so it cannot meet an OIDC, Cognito or application claim. */
export const DEFAULT_VERSION_CLAIM = 'tenancy:v';

const CLAIM_NAME = /^[A-Za-z][\w:.-]{0,63}$/;
// The end of a window: a UTC instant to the second, nothing a parser could read two ways.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function claimName(setting: SettingName, name: string): string {
  if (!CLAIM_NAME.test(name)) throw new ConfigurationError(`"${name}" is not a valid claim name`, setting);
  if (isReservedClaim(name)) throw new ConfigurationError(`"${name}" is a reserved claim and cannot be set`, setting);
  return name;
}

/**
 * Reads the claims contract: `TENANCY_TENANT_ID_CLAIM` (default `tenantId`), `TENANCY_TIER_CLAIM` (default
 * `tier`), `TENANCY_VERSION_CLAIM` (default `tenancy:v`), `TENANCY_CLAIMS_VERSION` (1 to the package's
 * `MAX_CLAIMS_VERSION`, 999; default 1) and a rename window, `TENANCY_CLAIM_RENAMES` (`oldName=newName,…`, each
 * new name one of the tenant claims) with `TENANCY_CLAIM_RENAMES_UNTIL` (UTC instant, `2027-01-31T00:00:00Z`).
 * Every name must be a valid claim name, not a reserved (JWT, OIDC or Cognito) claim, and different from every
 * other tenant claim, old names included; a rename needs version 2 or higher (the previous version is one less)
 * and an end. Throws `ConfigurationError`.
 */
export function claimNamesFromEnv(env: Env): ClaimsContract {
  const names: ClaimNames = {
    tenantId: claimName('TENANCY_TENANT_ID_CLAIM', readString(env, 'TENANCY_TENANT_ID_CLAIM') ?? 'tenantId'),
    tier: claimName('TENANCY_TIER_CLAIM', readString(env, 'TENANCY_TIER_CLAIM') ?? 'tier'),
    version: claimName('TENANCY_VERSION_CLAIM', readString(env, 'TENANCY_VERSION_CLAIM') ?? DEFAULT_VERSION_CLAIM),
  };
  if (names.tenantId === names.tier) {
    throw new ConfigurationError('the tenant id and tier claims must have different names', 'TENANCY_TIER_CLAIM');
  }
  if (names.version === names.tenantId || names.version === names.tier) {
    throw new ConfigurationError(`"${names.version}" already names a tenant claim`, 'TENANCY_VERSION_CLAIM');
  }
  const claimsVersion = readInteger(env, 'TENANCY_CLAIMS_VERSION', 1, 1, MAX_CLAIMS_VERSION);
  return { ...names, claimsVersion, migration: readMigration(env, names, claimsVersion) };
}

function readMigration(env: Env, names: ClaimNames, claimsVersion: number): ClaimsMigration | undefined {
  const entries = readList(env, 'TENANCY_CLAIM_RENAMES', []);
  const until = readString(env, 'TENANCY_CLAIM_RENAMES_UNTIL');
  if (entries.length === 0) {
    if (until !== undefined) {
      throw new ConfigurationError('is set without TENANCY_CLAIM_RENAMES', 'TENANCY_CLAIM_RENAMES_UNTIL');
    }
    return undefined;
  }
  const setting = 'TENANCY_CLAIM_RENAMES';
  if (claimsVersion < 2) {
    throw new ConfigurationError(
      'a rename starts a new claims version: set TENANCY_CLAIMS_VERSION to the next version (2 or higher)',
      setting,
    );
  }
  if (until === undefined)
    throw new ConfigurationError('is required with TENANCY_CLAIM_RENAMES', 'TENANCY_CLAIM_RENAMES_UNTIL');
  const untilMs = INSTANT.test(until) ? Date.parse(until) : Number.NaN;
  // Date.parse rolls 2027-02-30 over into March: only a date that prints back as written is one.
  if (!Number.isFinite(untilMs) || new Date(untilMs).toISOString() !== until.replace('Z', '.000Z')) {
    throw new ConfigurationError(
      `"${until}" is not a UTC instant like 2027-01-31T00:00:00Z`,
      'TENANCY_CLAIM_RENAMES_UNTIL',
    );
  }
  const renames = new Map<string, RenamableClaim>();
  const previous: { tenantId: string; tier: string } = { tenantId: names.tenantId, tier: names.tier };
  for (const entry of entries) {
    const [oldName = '', newName = '', ...extra] = entry.split('=');
    if (extra.length > 0) throw new ConfigurationError(`"${entry}" is not oldName=newName`, setting);
    claimName(setting, oldName);
    const claim = newName === names.tenantId ? 'tenantId' : newName === names.tier ? 'tier' : undefined;
    if (claim === undefined) {
      throw new ConfigurationError(
        `"${newName}" is not a tenant claim (${names.tenantId}, ${names.tier}); the version claim is never renamed`,
        setting,
      );
    }
    if (oldName === names.tenantId || oldName === names.tier || oldName === names.version || renames.has(oldName)) {
      throw new ConfigurationError(`"${oldName}" already names a tenant claim`, setting);
    }
    if ([...renames.values()].includes(claim)) throw new ConfigurationError(`"${newName}" is renamed twice`, setting);
    renames.set(oldName, claim);
    previous[claim] = oldName;
  }
  return {
    previousVersion: claimsVersion - 1,
    previousNames: { ...previous, version: names.version },
    renames,
    untilMs,
  };
}

/** Whether the contract's rename window is open at `nowMs`. */
export function migrationOpen(contract: ClaimsContract, nowMs: number): boolean {
  return contract.migration !== undefined && nowMs < contract.migration.untilMs;
}

/**
 * The version a token's version claim holds: an integer from 1 to `MAX_CLAIMS_VERSION` (999), or its canonical
 * decimal string (what version 1 events can carry); `undefined` for anything else (absent, `01`, `1.0`, `true`,
 * `[1]`…).
 */
export function claimsVersionOf(value: unknown): number | undefined {
  // An integer (V2/V3 events), or its canonical decimal string (V1 events carry strings only). The range is the
  // claims contract's (@cognito-tenancy/tenant-context), one definition for the suite and its consumers.
  if (typeof value === 'number') return isClaimsVersion(value) ? value : undefined;
  return typeof value === 'string' && VERSION_TEXT_PATTERN.test(value) ? Number(value) : undefined;
}

/**
 * The claim names to read a token of `version` with, at `nowMs`: the current names for the current version,
 * the previous names for the previous version while the rename window is open, `undefined` otherwise.
 */
export function namesForVersion(contract: ClaimsContract, version: number, nowMs: number): ClaimNames | undefined {
  if (version === contract.claimsVersion) return contract;
  const migration = contract.migration;
  if (migration !== undefined && version === migration.previousVersion && nowMs < migration.untilMs) {
    return migration.previousNames;
  }
  return undefined;
}
