import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FetchError } from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

/**
 * A stand-in for Cognito's JWKS endpoints on 127.0.0.1 (no network beyond loopback): it serves the keys of each
 * issuer at `/<host>/<poolId>/.well-known/jwks.json`, and `jwksCache` rewrites Cognito's HTTPS JWKS URIs onto it.
 * Issuers that are not published answer 403, as Cognito's updated-issuer endpoint does for a pool that never
 * switched (aws-jwt-verify issue #279).
 */
export interface CognitoKeys {
  /** A JWKS cache for the verifier under test, reading from this server. */
  readonly jwksCache: () => SimpleJwksCache;
  /** The paths requested so far (`<host>/<poolId>`), in order. */
  readonly requested: () => readonly string[];
  readonly close: () => Promise<void>;
}

/** Starts the server; `jwksByIssuer` maps an issuer URL to its JWKS document. */
export async function startCognitoKeys(jwksByIssuer: Record<string, { keys: object[] }>): Promise<CognitoKeys> {
  const published = new Map(Object.entries(jwksByIssuer).map(([issuer, jwks]) => [pathOf(issuer), jwks]));
  const requested: string[] = [];
  const server = createServer((req, res) => {
    const path = /^\/(.+)\/\.well-known\/jwks\.json$/.exec(req.url ?? '')?.[1] ?? '';
    requested.push(path);
    const jwks = published.get(path);
    if (jwks === undefined) res.writeHead(403).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fetcher: Fetcher = {
    fetch: (uri) => {
      const match = /^https:\/\/([^/]+\/[^/]+)\/\.well-known\/jwks\.json$/.exec(uri);
      if (match === null) return Promise.reject(new FetchError(uri, 'not a Cognito JWKS URI'));
      return get(`http://127.0.0.1:${port}/${match[1]}/.well-known/jwks.json`);
    },
  };
  return {
    jwksCache: () => new SimpleJwksCache({ fetcher }),
    requested: () => [...requested],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function pathOf(issuer: string): string {
  return issuer.replace(/^https:\/\//, '');
}

function get(url: string): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) {
          reject(new FetchError(url, `status code is ${res.statusCode}, expected 200`));
          return;
        }
        const body = Buffer.concat(chunks);
        resolve(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer);
      });
    })
      .on('error', (error) => reject(new FetchError(url, error.message)))
      .end();
  });
}
