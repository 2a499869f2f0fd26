import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit, withinStartLimit } from './child-process';
import { LOCAL_CREDENTIALS } from './dynamodb-local';
import { startTimeoutMs } from './start-timeout';

/** A local S3 (the npm package `s3rver`) started by this harness. */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>` (path-style addressing). */
  readonly endpoint: string;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
interface AwsAccountModule {
  readonly DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
}

export interface LocalS3Options {
  /** Milliseconds to wait for the server to listen; the start-up limit (local/start-timeout.ts) by default. */
  readonly timeoutMs?: number;
  /** Aborts the start (Ctrl-C during a start). */
  readonly signal?: AbortSignal;
}

/**
 * Starts s3rver on 127.0.0.1 (a free port chosen by the OS) with `buckets` created, its data in a fresh
 * temporary directory. s3rver checks request signatures against its own key list; the harness's local
 * credentials (the ones DynamoDB Local and the functions use) are added to it, so the functions' clients sign
 * as they would anywhere. It cannot evaluate IAM: isolation is proven by the policy tests. The data directory
 * is removed on stop, on a failed start, and if this process exits or dies of a signal first.
 */
export async function startLocalS3(buckets: readonly string[], options: LocalS3Options = {}): Promise<LocalS3> {
  const require = createRequire(import.meta.url);
  const S3rver = require('s3rver') as S3rverConstructor;
  const account = require('s3rver/lib/models/account') as AwsAccountModule;
  account.DUMMY_ACCOUNT.createKeyPair(LOCAL_CREDENTIALS.accessKeyId, LOCAL_CREDENTIALS.secretAccessKey);
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const removeDirectory = () => rmSync(directory, { recursive: true, force: true });
  const cancelRemove = onProcessExit(removeDirectory);
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const removeNow = () => {
    cancelRemove();
    removeDirectory();
  };
  try {
    const { port } = await withinStartLimit(
      's3rver on 127.0.0.1',
      options.timeoutMs ?? startTimeoutMs(),
      server.run(),
      // A start that finishes after the limit closes its server again.
      (running) => void running.then(() => server.close()).catch(() => {}),
      options.signal,
    );
    return {
      endpoint: `http://127.0.0.1:${port}`,
      stop: async () => {
        await server.close();
        removeNow();
      },
    };
  } catch (error) {
    removeNow();
    throw error;
  }
}
