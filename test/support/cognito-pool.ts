import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { type CognitoLocal, localCognitoClient, startCognitoLocal } from '../../local/cognito-local';

/** A cognito-local server with its pool and a client, as the surrounding `describe` sees them. */
export interface CognitoPool {
  readonly cognito: CognitoLocal;
  readonly client: CognitoIdentityProviderClient;
  /** The pool cognito-local created at start. */
  readonly pool: string;
}

/**
 * Starts cognito-local for the surrounding `describe` and stops it (with its client) afterwards: once for the
 * file's tests (`'file'`), or a fresh server per test (`'test'`) where one test changes the pool another reads.
 * The returned object's fields are read inside tests and hooks, after the start.
 */
export function useCognitoLocal(scope: 'file' | 'test'): CognitoPool {
  let cognito: CognitoLocal | undefined;
  let client: CognitoIdentityProviderClient | undefined;
  const before = scope === 'file' ? beforeAll : beforeEach;
  const after = scope === 'file' ? afterAll : afterEach;
  before(async () => {
    cognito = await startCognitoLocal();
    client = localCognitoClient(cognito.endpoint);
  });
  after(async () => {
    client?.destroy();
    await cognito?.stop();
    client = undefined;
    cognito = undefined;
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('cognito-local is not started: read it inside a test or hook');
    return value;
  };
  return {
    get cognito() {
      return started(cognito);
    },
    get client() {
      return started(client);
    },
    get pool() {
      return started(cognito).userPoolId;
    },
  };
}
