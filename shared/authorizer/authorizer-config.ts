import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { assertUserPoolId } from '../registry/binding';
import { readRoleGroups } from '../registry/role-groups';
import { type TenantCacheSettings, tenantCacheSettingsFromEnv } from '../registry/tenant-cache-settings';
import { parseTiers, type Tiers } from '../registry/tiers';
import { ConfigurationError } from '../runtime/errors';
import { type Env, readBoolean, readInteger, readList, readString, rejectUnknownSettings } from '../runtime/settings';
import { type ClaimsContract, claimNamesFromEnv } from '../tokens/claim-names';
import { bundledRouteRules } from './bundled-route-rules';
import { userPoolIssuersFromEnv } from './issuer-settings';
import { parseJwksLocation } from './jwks-location';
import { checkRouteTiers, parseRouteRulesJson, type RouteRules } from './route-rules';
import type { VerifierSettings } from './token-verifier';

/** Everything the authorizer needs, validated once at cold start. */
export interface AuthorizerConfig extends VerifierSettings, TenantCacheSettings {
  /** The tenant claims' names, the accepted claims version(s) and a rename window. */
  readonly claimNames: ClaimsContract;
  /** The groups the caller's `groups` (and its context) may hold; route rules may only require these. */
  readonly roleGroups: readonly string[];
  readonly tiers: Tiers;
  readonly routes: RouteRules;
  /** Tier → API key value passed as `usageIdentifierKey` (REST APIs); absent when not configured. */
  readonly tierApiKeys: ReadonlyMap<string, string> | undefined;
  /** Answer HTTP API (payload 2.0) events with `{isAuthorized, context}` instead of an IAM policy. */
  readonly simpleResponses: boolean;
  /** Entries of the verified-token memo; 0 turns it off. */
  readonly memoSize: number;
}

const CLIENT_ID = /^[\w+]{1,128}$/;
// API Gateway API key values: 20-128 printable ASCII characters; `,` and `=` are the separators here.
const API_KEY = /^[\x21-\x2b\x2d-\x3c\x3e-\x7e]{20,128}$/;
const DEFAULT_MEMO_SIZE = 1000;

/**
 * Reads the authorizer settings. Required: `TENANCY_USER_POOL_IDS` (comma-separated; several pools = silo
 * model) and `TENANCY_CLIENT_IDS` (comma-separated app client ids, accepted for every listed pool). Optional:
 * `TENANCY_TOKEN_USE` (`access`, the default, or `id`), `TENANCY_ISSUER_FORMS` and `TENANCY_REPLICA_REGIONS` (the
 * accepted issuers, see `userPoolIssuersFromEnv`), `TENANCY_JWKS_URI` (injected key location, see
 * `parseJwksLocation`), `TENANCY_ROUTES` (route rules as inline JSON starting with `{`, or the path of a JSON
 * file, relative to the working directory; the bundled `config/routes.json` when unset),
 * `TENANCY_TIER_API_KEYS` (`tier=apiKey,…` covering every tier), `TENANCY_SIMPLE_RESPONSES`,
 * `TENANCY_TOKEN_MEMO_SIZE` (0-10000, default 1000), `TENANCY_API_TENANT_CHECK` (only `true`, the default:
 * the registry check, with its table from `TENANCY_TABLE_NAME`, pins tokens to their pool), the tenant cache TTLs shared with pre token generation, plus
 * the shared `TENANCY_TIERS`, `TENANCY_ROLE_GROUPS` and claim-name settings.
 * Throws `ConfigurationError` on anything missing or unsafe; there is no permissive default.
 */
export function authorizerConfigFromEnv(env: Env): AuthorizerConfig {
  rejectUnknownSettings(env);
  const userPoolIds = uniqueList(env, 'TENANCY_USER_POOL_IDS').map((poolId) => {
    try {
      return assertUserPoolId(poolId);
    } catch (error) {
      throw new ConfigurationError(
        `"${poolId}" is not a user pool id (e.g. us-east-1_AbC123)`,
        'TENANCY_USER_POOL_IDS',
        {
          cause: error,
        },
      );
    }
  });
  const clientIds = uniqueList(env, 'TENANCY_CLIENT_IDS');
  for (const clientId of clientIds) {
    if (!CLIENT_ID.test(clientId)) {
      throw new ConfigurationError(`"${clientId}" is not an app client id`, 'TENANCY_CLIENT_IDS');
    }
  }
  const tokenUse = readString(env, 'TENANCY_TOKEN_USE') ?? 'access';
  if (tokenUse !== 'access' && tokenUse !== 'id') {
    throw new ConfigurationError(`must be "access" or "id", got "${tokenUse}"`, 'TENANCY_TOKEN_USE');
  }
  const jwksTemplate = readString(env, 'TENANCY_JWKS_URI');
  const tiers = parseTiers(env.TENANCY_TIERS);
  const roleGroups = readRoleGroups(env);
  const routes = readRoutes(env, tiers);
  // The registry check pins every token to its pool (pool-pinning.ts): a configuration without it would let a
  // shared-pool token speak for a siloed tenant, so it is refused rather than honoured.
  if (!readBoolean(env, 'TENANCY_API_TENANT_CHECK', true)) {
    throw new ConfigurationError(
      'may not be false: the registry check pins tokens to their user pool and cannot be turned off',
      'TENANCY_API_TENANT_CHECK',
    );
  }
  for (const rule of routes.rules) {
    const unknown = rule.groups.filter((group) => !roleGroups.includes(group));
    if (unknown.length > 0) {
      // Tokens only ever carry role groups (pre token generation), so such a rule could never be met.
      throw new ConfigurationError(
        `route "${rule.route}" requires ${unknown.join(', ')}, not a role group (${roleGroups.join(', ')})`,
        'TENANCY_ROUTES',
      );
    }
  }
  return {
    userPoolIds,
    userPools: userPoolIssuersFromEnv(env, userPoolIds),
    clientIds,
    tokenUse,
    jwksUri: jwksTemplate === undefined ? undefined : parseJwksLocation(jwksTemplate, userPoolIds),
    claimNames: claimNamesFromEnv(env),
    tiers,
    routes,
    roleGroups,
    ...tenantCacheSettingsFromEnv(env),
    tierApiKeys: readTierApiKeys(env, tiers),
    simpleResponses: readBoolean(env, 'TENANCY_SIMPLE_RESPONSES', false),
    memoSize: readInteger(env, 'TENANCY_TOKEN_MEMO_SIZE', DEFAULT_MEMO_SIZE, 0, 10_000),
  };
}

function uniqueList(env: Env, name: 'TENANCY_USER_POOL_IDS' | 'TENANCY_CLIENT_IDS'): string[] {
  const values = readList(env, name, []);
  if (values.length === 0) throw new ConfigurationError('is required', name);
  if (new Set(values).size !== values.length) throw new ConfigurationError('lists a value twice', name);
  return values;
}

function readRoutes(env: Env, tiers: Tiers): RouteRules {
  const value = readString(env, 'TENANCY_ROUTES');
  // The bundled rules were validated when the bundle was built; only their tiers are configuration.
  if (value === undefined) return checkRouteTiers(bundledRouteRules, tiers, 'config/routes.json');
  if (value.startsWith('{')) return parseRouteRulesJson(value, tiers);
  let text: string;
  try {
    text = readFileSync(resolve(value), 'utf8');
  } catch (error) {
    throw new ConfigurationError(`cannot read route rules file "${value}"`, 'TENANCY_ROUTES', { cause: error });
  }
  return parseRouteRulesJson(text, tiers);
}

function readTierApiKeys(env: Env, tiers: Tiers): ReadonlyMap<string, string> | undefined {
  const entries = readList(env, 'TENANCY_TIER_API_KEYS', []);
  if (entries.length === 0) return undefined;
  const keys = new Map<string, string>();
  for (const entry of entries) {
    const [tier = '', key = '', ...extra] = entry.split('=');
    if (!tiers.has(tier)) {
      throw new ConfigurationError(
        `"${tier}" is not a configured tier (${tiers.names.join(', ')})`,
        'TENANCY_TIER_API_KEYS',
      );
    }
    if (extra.length > 0 || !API_KEY.test(key)) {
      throw new ConfigurationError(
        `the API key of tier "${tier}" must be 20-128 printable characters`,
        'TENANCY_TIER_API_KEYS',
      );
    }
    if (keys.has(tier)) throw new ConfigurationError(`tier "${tier}" is listed twice`, 'TENANCY_TIER_API_KEYS');
    keys.set(tier, key);
  }
  // A usage plan that requires keys refuses a request without one: a tier left out would lock its tenants out.
  const missing = tiers.names.filter((tier) => !keys.has(tier));
  if (missing.length > 0) {
    throw new ConfigurationError(`no API key for tier(s) ${missing.join(', ')}`, 'TENANCY_TIER_API_KEYS');
  }
  return keys;
}
