import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { jwksOf, type SigningKey } from './jwt';

/** A JWKS server on 127.0.0.1 serving each pool's keys at `/<poolId>/.well-known/jwks.json`, as cognito-local does. */
export interface JwksServer {
  /** Value for `TENANCY_JWKS_URI`. */
  readonly template: string;
  /** How many JWKS requests it has answered. */
  readonly requests: () => number;
}

interface StartedJwksServer extends JwksServer {
  readonly stop: () => Promise<void>;
}

async function startJwksServer(
  keysByPool: Readonly<Record<string, readonly SigningKey[]>>,
): Promise<StartedJwksServer> {
  const documents = new Map(
    Object.entries(keysByPool).map(([poolId, keys]) => [poolId, JSON.stringify(jwksOf(...keys))]),
  );
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    const poolId = /^\/([^/]+)\/\.well-known\/jwks\.json$/.exec(request.url ?? '')?.[1];
    const jwks = poolId === undefined ? undefined : documents.get(poolId);
    if (jwks === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    template: `http://127.0.0.1:${port}/{userPoolId}/.well-known/jwks.json`,
    requests: () => requests,
    stop: () =>
      new Promise<void>((resolve) => {
        // Keep-alive sockets of the verifier's fetches would hold close() open until they time out.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Serves `keysByPool` (pool id → the public keys its JWKS lists, in that order) from a JWKS server on 127.0.0.1
 * for the surrounding `describe`: started before its tests, stopped after them. Call it before the hooks that
 * read it; the returned object's fields are read inside tests and hooks, after the start.
 */
export function useJwksServer(keysByPool: Readonly<Record<string, readonly SigningKey[]>>): JwksServer {
  let started: StartedJwksServer | undefined;
  beforeAll(async () => {
    started = await startJwksServer(keysByPool);
  });
  afterAll(async () => {
    await started?.stop();
    started = undefined;
  });
  const running = (): StartedJwksServer => {
    if (started === undefined) throw new Error('the JWKS server is not started: read it inside a test or hook');
    return started;
  };
  return {
    get template() {
      return running().template;
    },
    requests: () => running().requests(),
  };
}
