import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_CREDENTIALS } from './dynamodb-local';

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

/**
 * Starts s3rver on 127.0.0.1 (a free port chosen by the OS) with `buckets` created, its data in a fresh
 * temporary directory. s3rver checks request signatures against its own key list; the harness's local
 * credentials (the ones DynamoDB Local and the functions use) are added to it, so the functions' clients sign
 * as they would anywhere. It cannot evaluate IAM: isolation is proven by the policy tests.
 */
export async function startLocalS3(buckets: readonly string[]): Promise<LocalS3> {
  const require = createRequire(import.meta.url);
  const S3rver = require('s3rver') as S3rverConstructor;
  const account = require('s3rver/lib/models/account') as AwsAccountModule;
  account.DUMMY_ACCOUNT.createKeyPair(LOCAL_CREDENTIALS.accessKeyId, LOCAL_CREDENTIALS.secretAccessKey);
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  try {
    const { port } = await server.run();
    return {
      endpoint: `http://127.0.0.1:${port}`,
      stop: async () => {
        await server.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}
