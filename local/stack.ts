import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedPolicyStore } from '../shared/cedar/stores/embedded-policy-store';
import { readPolicyFiles } from '../shared/cedar/stores/policy-files';
import { PolicyStoreAdmin } from '../shared/cedar/stores/policy-store-admin';
import { importSeed, parseSeed } from '../shared/operations/tenant-seed';
import { TenantAdmin } from '../shared/registry/tenant-admin';
import { DEFAULT_TIERS } from '../shared/registry/tiers';
import { type CognitoLocal, type SeedUser, startCognitoLocal } from './cognito-local';
import {
  createRegistryTable,
  createTenantDataTable,
  type DynamoDBLocal,
  localDynamoDBClient,
  startDynamoDBLocal,
} from './dynamodb-local';
import { freePort } from './free-port';
import { type LocalPostgres, preparePostgres, startPostgres } from './postgres';
import { startLocalS3 } from './s3rver';
import {
  functionName,
  LOCAL_STAGE,
  type Offline,
  offlineWorkFolder,
  SERVICE,
  startServerlessOffline,
} from './serverless-offline';

const DEFAULT_SEED = join(dirname(fileURLToPath(import.meta.url)), '..', 'events', 'tenants.json');
/** The registry table serverless.yml names for the local stage. */
const LOCAL_STACK_TABLE = `${SERVICE}-${LOCAL_STAGE}-registry`;
/** The tenant data table serverless.yml names for the local stage, and the local stack's data bucket. */
const LOCAL_DATA_TABLE = `${SERVICE}-${LOCAL_STAGE}-tenant-data`;
const LOCAL_DATA_BUCKET = `${SERVICE}-${LOCAL_STAGE}-tenant-data`;

export interface LocalStackOptions {
  /** Seed file for the registry; `events/tenants.json` by default. */
  readonly seedFile?: string;
  /** Let sign-ups that match no binding create their own tenant. */
  readonly selfService?: boolean;
  /** Seconds the pre-token trigger caches a tenant record (60 in production; the demo uses 1). */
  readonly tenantCacheSeconds?: number;
  /** Fixed confirmation code cognito-local "sends" (it has no mail); random when absent. */
  readonly code?: string;
  /** Pool id to seed in cognito-local; `us-east-1_Tenancy1` by default. */
  readonly userPoolId?: string;
  /** Users to seed in the pool (a replayed event's user). */
  readonly users?: readonly SeedUser[];
  /** Extra app clients to seed in the pool (e.g. a client bound to a tenant). */
  readonly clientIds?: readonly string[];
  /**
   * Keep the documents service's metadata in PostgreSQL (docs/postgresql.md): a local server is started and
   * migrated, every seeded tenant gets its database role, and the documents function signs in as the
   * caller's tenant role with a derived password. Without it the metadata stays in the tenant data table.
   */
  readonly postgres?: boolean;
  /** Progress lines (stderr in the CLI tools). */
  readonly log?: (line: string) => void;
  /**
   * Aborts the start (Ctrl-C in the demo or replay): the server starting stops at once, everything already
   * started is stopped, and the start rejects.
   */
  readonly signal?: AbortSignal;
}

/** The local stack's PostgreSQL server (`postgres: true`) and the secret its tenant roles' passwords derive from. */
export interface LocalStackPostgres {
  readonly server: LocalPostgres;
  /** Tenant `t` signs in as role `t` with `localTenantPassword(secret, t)`, as the documents function does. */
  readonly secret: string;
  /** The tenants that have a database role: those of the seed (a tenant created later has none). */
  readonly tenants: readonly string[];
}

/** What a function invoked through the Lambda Invoke API answered. */
export type InvokeResult =
  | { readonly ok: true; readonly payload: unknown }
  | { readonly ok: false; readonly error: string };

/** DynamoDB Local + cognito-local + serverless-offline, wired together on 127.0.0.1. */
export interface LocalStack {
  readonly registry: TenantAdmin;
  readonly cognito: CognitoLocal;
  readonly dynamoEndpoint: string;
  /** The local S3 (s3rver) holding the tenant data bucket. */
  readonly s3Endpoint: string;
  readonly httpEndpoint: string;
  readonly lambdaEndpoint: string;
  /** How long the functions trust a cached tenant record: a registry change is seen by all of them after it. */
  readonly tenantCacheSeconds: number;
  /** The PostgreSQL server holding the documents' metadata; `undefined` unless started with `postgres: true`. */
  readonly postgres: LocalStackPostgres | undefined;
  /** Invokes a function (`preTokenGeneration`, `authorizer`, …) as Lambda would, through serverless-offline. */
  invoke(fn: string, event: unknown): Promise<InvokeResult>;
  /** Stops everything this stack started, and only that. */
  stop(): Promise<void>;
}

/**
 * Starts the local stack: DynamoDB Local with the registry table seeded, cognito-local (fresh data directory,
 * AWS-shaped pool id, Cognito-form issuer, triggers pointed at serverless-offline's Lambda endpoint) and
 * serverless-offline running this project's serverless.yml in attach mode against that pool. As deployed, the
 * pool runs pre token generation at V2_0 (cognito-local as patched by patches/) and the authorizer verifies
 * access tokens (`tokenUse=access`) with the keys cognito-local serves; every other check is the production one.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const signal = options.signal;
  const withSignal = signal === undefined ? {} : { signal };
  // Between two starts, an abort that came in meanwhile ends the start before the next server is launched.
  const step = (line: string) => {
    signal?.throwIfAborted();
    log(line);
  };
  const tenantCacheSeconds = options.tenantCacheSeconds ?? 60;
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const part of started.reverse()) await part.stop().catch(() => {});
  };
  try {
    step('starting DynamoDB Local…');
    const dynamo: DynamoDBLocal = await startDynamoDBLocal(withSignal);
    started.push(dynamo);
    const client = localDynamoDBClient(dynamo.endpoint);
    started.push({ stop: async () => client.destroy() });
    await createRegistryTable(client, LOCAL_STACK_TABLE);
    await createTenantDataTable(client, LOCAL_DATA_TABLE);
    step('starting the local S3 (s3rver)…');
    const s3 = await startLocalS3([LOCAL_DATA_BUCKET], withSignal);
    started.push(s3);
    // Operator changes made through the stack (the seed, the demo's suspension) are audited as the demo's.
    const runId = randomUUID();
    const audit = { actor: 'operator:demo', retentionDays: 365, requestId: () => runId };
    const registry = new TenantAdmin({ client, tableName: LOCAL_STACK_TABLE, tiers: DEFAULT_TIERS, audit });
    const seed = parseSeed(readFileSync(options.seedFile ?? DEFAULT_SEED, 'utf8'), DEFAULT_TIERS);
    await importSeed(registry, seed);
    // Every seeded tenant gets its embedded policy set, as `tenants policy-store create` would make it.
    const policyStores = new EmbeddedPolicyStore(new PolicyStoreAdmin({ client, tableName: LOCAL_STACK_TABLE }));
    const policyFiles = readPolicyFiles();
    for (const tenant of seed) await policyStores.create(tenant.tenantId, policyFiles);

    let postgres: LocalStackPostgres | undefined;
    if (options.postgres === true) {
      step('starting PostgreSQL…');
      const server = await startPostgres();
      started.push(server);
      // Only this run knows the secret: the tenant roles' passwords are good for this server's lifetime only.
      const secret = randomBytes(24).toString('base64url');
      const tenants = seed.map((tenant) => tenant.tenantId);
      await preparePostgres(server, secret, tenants);
      postgres = { server, secret, tenants };
    }

    step('starting cognito-local…');
    const lambdaPort = await freePort();
    const cognito = await startCognitoLocal({
      lambdaEndpoint: `http://127.0.0.1:${lambdaPort}`,
      triggerFunctions: {
        PreSignUp: functionName('preSignUp'),
        PostConfirmation: functionName('postConfirmation'),
        PreTokenGeneration: functionName('preTokenGeneration'),
      },
      ...(options.clientIds === undefined ? {} : { clientIds: options.clientIds }),
      ...(options.code === undefined ? {} : { code: options.code }),
      ...(options.userPoolId === undefined ? {} : { userPoolId: options.userPoolId }),
      ...(options.users === undefined ? {} : { users: options.users }),
      ...withSignal,
    });
    started.push(cognito);

    const workFolder = offlineWorkFolder();
    step(`starting serverless-offline (bundling the functions in ${workFolder})…`);
    const offline: Offline = await startServerlessOffline({
      ...withSignal,
      workFolder,
      lambdaPort,
      params: {
        poolMode: 'attach',
        userPoolName: 'cognito-tenancy-local',
        userPoolId: cognito.userPoolId,
        appClientIds: [cognito.clientId, ...(options.clientIds ?? [])].join(','),
        tokenUse: 'access',
        jwksUri: cognito.jwksUri,
        selfService: options.selfService === true ? 'true' : 'false',
        tenantCacheSeconds: String(tenantCacheSeconds),
        logLevel: process.env.LOCAL_STACK_DEBUG === '1' ? 'DEBUG' : 'WARN',
        // The emulators cannot honour AssumeRole: static credentials, allowed only against loopback endpoints.
        localCredentials: 'true',
        dataBucketName: LOCAL_DATA_BUCKET,
        // Every decision reads the policy store record and shares: a share is visible to the next request.
        policyCacheSeconds: '0',
        // deploy/postgres-plugin.cjs gives the documents function the connection settings and the local signer.
        ...(postgres === undefined
          ? {}
          : {
              postgresHost: postgres.server.host,
              postgresPort: String(postgres.server.port),
              postgresDatabase: postgres.server.database,
              postgresLocalSecret: postgres.secret,
            }),
      },
      awsEnv: {
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
      },
    });
    started.push(offline);
    log('local stack ready');

    return {
      registry,
      cognito,
      dynamoEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      httpEndpoint: offline.httpEndpoint,
      lambdaEndpoint: offline.lambdaEndpoint,
      tenantCacheSeconds,
      postgres,
      invoke: (fn, event) => invoke(offline.lambdaEndpoint, functionName(fn), event),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Calls the Lambda Invoke API; a function error (the `X-Amz-Function-Error` header) becomes `{ ok: false }`. */
async function invoke(endpoint: string, name: string, event: unknown): Promise<InvokeResult> {
  const response = await fetch(`${endpoint}/2015-03-31/functions/${name}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const payload: unknown = text === '' ? null : JSON.parse(text);
  if (response.headers.has('x-amz-function-error') || response.status >= 400) {
    const message = (payload as { errorMessage?: unknown } | null)?.errorMessage;
    return { ok: false, error: typeof message === 'string' ? message : text };
  }
  return { ok: true, payload };
}
