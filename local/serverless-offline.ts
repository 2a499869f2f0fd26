import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onProcessExit, spawnGroup, waitForAnswer } from './child-process';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb-local';
import { freePort, freePorts } from './free-port';
import { startTimeoutMs } from './start-timeout';

/** The Serverless stage the local stack runs as; function names are `cognito-tenancy-local-<function>`. */
export const LOCAL_STAGE = 'local';
export const SERVICE = 'cognito-tenancy';

/** Lambda function name as serverless-offline (and cognito-local's `TriggerFunctions`) know it. */
export const functionName = (fn: string) => `${SERVICE}-${LOCAL_STAGE}-${fn}`;

export interface OfflineOptions {
  /** `--param` values for serverless.yml (poolMode, userPoolId, jwksUri, …). */
  readonly params: Readonly<Record<string, string>>;
  /** `AWS_ENDPOINT_URL_*` and other `AWS_*` variables the handlers need (serverless-offline passes only those). */
  readonly awsEnv: Readonly<Record<string, string>>;
  /** The bundle folder (relative to the project); a fresh `.esbuild-offline-<random>` by default. */
  readonly workFolder?: string;
  /** Port of the Lambda Invoke API; free by default. */
  readonly lambdaPort?: number;
  /** Milliseconds to wait for both APIs to answer; the start-up limit (local/start-timeout.ts) by default. */
  readonly timeoutMs?: number;
  /** Aborts the start (Ctrl-C during bundling): the process group is stopped, its bundle folder removed. */
  readonly signal?: AbortSignal;
}

/** serverless-offline started by this harness. */
export interface Offline {
  /** HTTP API base URL. */
  readonly httpEndpoint: string;
  /** Lambda Invoke API base URL. */
  readonly lambdaEndpoint: string;
  /** The process (and process group) id of serverless-offline. */
  readonly pid: number;
  stop(): Promise<void>;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Starts `serverless offline start` for this project on 127.0.0.1 (HTTP API and Lambda Invoke API on free
 * ports) in its own process group (esbuild and the Lambda workers go with it) and resolves when both answer
 * within the start-up limit. Its bundle folder is removed on stop, on a failed start and on exit. Handlers get the local `AWS_ENDPOINT_URL_*` variables, so nothing
 * can reach real AWS even where credentials exist.
 */
export async function startServerlessOffline(options: OfflineOptions): Promise<Offline> {
  const [httpPort, websocketPort, albPort] = await freePorts(3);
  const lambdaPort = options.lambdaPort ?? (await freePort());
  const bin = join(dirname(createRequire(import.meta.url).resolve('serverless/package.json')), 'bin', 'serverless.js');
  const args = [
    bin,
    'offline',
    'start',
    '--stage',
    LOCAL_STAGE,
    '--region',
    LOCAL_REGION,
    '--host',
    '127.0.0.1',
    '--httpPort',
    String(httpPort),
    '--lambdaPort',
    String(lambdaPort),
    '--websocketPort',
    String(websocketPort),
    '--albPort',
    String(albPort),
    '--noPrependStageInUrl',
    ...Object.entries(options.params).map(([key, value]) => `--param=${key}=${value}`),
  ];
  // Its own bundle folder: another stack or a `serverless package` running at the same time cleans up its own.
  const workFolder = options.workFolder ?? offlineWorkFolder();
  const removeWorkFolder = () => rmSync(join(root, workFolder), { recursive: true, force: true });
  const cancelRemove = onProcessExit(removeWorkFolder);
  const server = spawnGroup(process.execPath, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: LOCAL_REGION,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_ESBUILD_WORK_FOLDER: workFolder,
      SLS_NOTIFICATIONS_MODE: 'off',
      ...options.awsEnv,
    },
    outputLimit: 8000,
  });
  // LOCAL_STACK_DEBUG=1 shows what the handlers and serverless-offline print (never needed in tests).
  if (process.env.LOCAL_STACK_DEBUG === '1') {
    server.child.stdout?.pipe(process.stderr);
    server.child.stderr?.pipe(process.stderr);
  }
  const stop = async () => {
    await server.stop();
    cancelRemove();
    removeWorkFolder();
  };
  const httpEndpoint = `http://127.0.0.1:${httpPort}`;
  const lambdaEndpoint = `http://127.0.0.1:${lambdaPort}`;
  try {
    await waitForAnswer(server, {
      what: `serverless-offline (HTTP API on ${httpEndpoint}, Lambda API on ${lambdaEndpoint})`,
      limitMs: options.timeoutMs ?? startTimeoutMs(),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      answers: async () => (await answers(httpEndpoint)) && (await answers(lambdaEndpoint)),
      intervalMs: 200,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { httpEndpoint, lambdaEndpoint, pid: server.pid, stop };
}

/** A fresh bundle folder name for one serverless-offline run, `.esbuild-offline-<random>`. */
export function offlineWorkFolder(): string {
  return `.esbuild-offline-${randomUUID().slice(0, 8)}`;
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}
