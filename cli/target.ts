import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  createRegistryTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDBClient,
  startDynamoDBLocal,
} from '../local/dynamodb-local';
import { PolicyStoreAdmin } from '../shared/cedar/stores/policy-store-admin';
import { DirectoryAdmin } from '../shared/cognito/directory-admin';
import type { AuditSettings } from '../shared/registry/audit-trail';
import { TenantAdmin } from '../shared/registry/tenant-admin';
import type { Tiers } from '../shared/registry/tiers';
import { InvalidInputError } from '../shared/runtime/errors';
import { type Env, readInteger } from '../shared/runtime/settings';

/** The table of the local harness (`--local`) and the default table at a local endpoint. */
export const LOCAL_TABLE = 'cognito-tenancy-local';

/** The line an operator sees when the CLI has no target: the CLI never guesses one. */
export const NO_TARGET =
  'no registry chosen: pass --local, or --table <name> and --region <region> (or set TENANCY_TABLE_NAME and AWS_REGION)';

/** Where the registry is, decided from flags and environment alone (no I/O). */
export type RegistryTarget =
  | { readonly kind: 'local'; readonly dataDir: string }
  | { readonly kind: 'endpoint'; readonly endpoint: string; readonly table: string }
  | { readonly kind: 'aws'; readonly table: string; readonly region: string };

/** The flags that choose the registry. */
export interface TargetFlags {
  readonly local?: boolean;
  readonly table?: string;
  readonly region?: string;
}

/**
 * Chooses the registry, explicitly: `--local` (the DynamoDB Local harness, data under `dataDir`), an endpoint
 * set in `AWS_ENDPOINT_URL_DYNAMODB` (as the local stack sets it), or a table and a region from flags or
 * `TENANCY_TABLE_NAME` and `AWS_REGION`/`AWS_DEFAULT_REGION`. With none of these, `InvalidInputError(NO_TARGET)`.
 */
export function chooseRegistry(flags: TargetFlags, env: Env, dataDir: string): RegistryTarget {
  if (flags.local === true) return { kind: 'local', dataDir };
  const table = flags.table ?? nonEmpty(env.TENANCY_TABLE_NAME);
  const endpoint = nonEmpty(env.AWS_ENDPOINT_URL_DYNAMODB);
  if (endpoint !== undefined) return { kind: 'endpoint', endpoint, table: table ?? LOCAL_TABLE };
  const region = flags.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  if (table === undefined || region === undefined) throw new InvalidInputError(NO_TARGET, 'target');
  return { kind: 'aws', table, region };
}

/** The target in one line, for stderr before a write. */
export function describeRegistry(target: RegistryTarget): string {
  switch (target.kind) {
    case 'local':
      return `local DynamoDB (data in ${target.dataDir}), table ${LOCAL_TABLE}`;
    case 'endpoint':
      return `DynamoDB at ${target.endpoint}, table ${target.table}`;
    case 'aws':
      return `DynamoDB table ${target.table} in ${target.region}`;
  }
}

/** An opened registry and how to let go of it. */
export interface OpenRegistry {
  readonly registry: TenantAdmin;
  /** The tenants' policy store records, in the same table. */
  readonly policyStores: PolicyStoreAdmin;
  close(): Promise<void>;
}

/**
 * Who the CLI's changes are audited as: the operator's login name, one request id for the whole run (every
 * change of one `import` shares it), and the retention of `TENANCY_AUDIT_RETENTION_DAYS` (default 365).
 */
export function operatorAudit(env: Env): AuditSettings {
  const runId = randomUUID();
  return {
    actor: `operator:${userInfo().username}`,
    retentionDays: readInteger(env, 'TENANCY_AUDIT_RETENTION_DAYS', 365, 0, 36_500),
    requestId: () => runId,
  };
}

/** The registry's two operator views over one client and table; `adminRole` is `TENANCY_ADMIN_ROLE`. */
export function opened(
  client: DynamoDBClient,
  tableName: string,
  tiers: Tiers,
  close: () => Promise<void>,
  audit?: AuditSettings,
  adminRole?: string,
): OpenRegistry {
  return {
    registry: new TenantAdmin({ client, tableName, tiers, audit, adminRole }),
    policyStores: new PolicyStoreAdmin({ client, tableName }),
    close,
  };
}

/** Opens the chosen registry: starts the local harness or connects; creates the table only where it is local. */
export async function openRegistry(
  target: RegistryTarget,
  tiers: Tiers,
  audit?: AuditSettings,
  adminRole?: string,
): Promise<OpenRegistry> {
  if (target.kind === 'aws') {
    const client = new DynamoDBClient({ region: target.region });
    return opened(client, target.table, tiers, async () => client.destroy(), audit, adminRole);
  }
  if (target.kind === 'endpoint') {
    const client = new DynamoDBClient({
      endpoint: target.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      await createRegistryTable(client, target.table);
    } catch (error) {
      client.destroy();
      throw error;
    }
    return opened(client, target.table, tiers, async () => client.destroy(), audit, adminRole);
  }
  if (!existsSync(target.dataDir)) mkdirSync(target.dataDir, { recursive: true });
  const dynamo = await startDynamoDBLocal({ dbPath: target.dataDir });
  const client = localDynamoDBClient(dynamo.endpoint);
  const close = async () => {
    client.destroy();
    await dynamo.stop();
  };
  try {
    await createRegistryTable(client, LOCAL_TABLE);
  } catch (error) {
    await close();
    throw error;
  }
  return opened(client, LOCAL_TABLE, tiers, close, audit, adminRole);
}

/** Where the user pool API is: a local endpoint, or the pool's own region (a pool id starts with it). */
export type PoolTarget =
  | { readonly kind: 'endpoint'; readonly endpoint: string; readonly userPoolId: string }
  | { readonly kind: 'aws'; readonly region: string; readonly userPoolId: string };

/** Chooses the user pool API for `userPoolId` (already validated): `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`, else its region. */
export function choosePool(userPoolId: string, env: Env): PoolTarget {
  const endpoint = nonEmpty(env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER);
  if (endpoint !== undefined) return { kind: 'endpoint', endpoint, userPoolId };
  return { kind: 'aws', region: poolRegion(userPoolId), userPoolId };
}

/** The pool target in one line, for stderr before a write. */
export function describePool(target: PoolTarget): string {
  return target.kind === 'endpoint'
    ? `user pool ${target.userPoolId} at ${target.endpoint}`
    : `user pool ${target.userPoolId} in ${target.region}`;
}

// An operator command may wait longer than a trigger, but still never hangs.
const CLI_LIMITS = { maxAttempts: 4, connectionTimeoutMs: 3000, requestTimeoutMs: 10_000 };

/** An opened user pool API and how to let go of it. */
export interface OpenPool {
  readonly directory: DirectoryAdmin;
  readonly client: CognitoIdentityProviderClient;
  close(): void;
}

/** Opens the user pool API of the target (local endpoint with the local stack's fixed credentials). */
export function openPool(target: PoolTarget): OpenPool {
  const client = new CognitoIdentityProviderClient({
    ...(target.kind === 'endpoint'
      ? { endpoint: target.endpoint, region: poolRegion(target.userPoolId), credentials: LOCAL_CREDENTIALS }
      : { region: target.region }),
    maxAttempts: CLI_LIMITS.maxAttempts,
    requestHandler: { connectionTimeout: CLI_LIMITS.connectionTimeoutMs, requestTimeout: CLI_LIMITS.requestTimeoutMs },
  });
  return { directory: new DirectoryAdmin(client), client, close: () => client.destroy() };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The region a pool id starts with (`us-east-1_AbC123` → `us-east-1`). */
function poolRegion(userPoolId: string): string {
  return userPoolId.slice(0, userPoolId.indexOf('_'));
}
