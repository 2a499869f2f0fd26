import { request as httpsRequest } from 'node:https';
import type { CognitoIssuer } from '@cognito-tenancy/tenant-context';
import { FetchError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { ConfigurationError } from '../runtime/errors';

const POOL_PLACEHOLDER = '{userPoolId}';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const FETCH_TIMEOUT_MS = 3000;
const MAX_JWKS_BYTES = 256 * 1024;

/**
 * Validates `TENANCY_JWKS_URI`: where to read the JWKS instead of Cognito's own URL, e.g. cognito-local's
 * `http://127.0.0.1:9229/{userPoolId}/.well-known/jwks.json`. `{userPoolId}` is replaced per pool and is
 * required when several pools are configured. Plain `http` is accepted only for a loopback host; anything
 * else must be `https`. Only where the keys come from changes: issuer, audience, token use and signature
 * checks stay exactly those of the Cognito pool.
 */
export function parseJwksLocation(
  template: string,
  userPoolIds: readonly string[],
  setting = 'TENANCY_JWKS_URI',
): string {
  if (userPoolIds.length > 1 && !template.includes(POOL_PLACEHOLDER)) {
    throw new ConfigurationError(`must contain ${POOL_PLACEHOLDER} when several user pools are configured`, setting);
  }
  for (const poolId of userPoolIds) {
    let url: URL;
    try {
      url = new URL(jwksLocationFor(template, poolId));
    } catch (error) {
      throw new ConfigurationError(`"${template}" is not a valid URL`, setting, { cause: error });
    }
    const loopback = LOOPBACK_HOSTS.has(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
      throw new ConfigurationError('must be an https URL, or http on 127.0.0.1/localhost only', setting);
    }
    if (url.username !== '' || url.password !== '') throw new ConfigurationError('must not carry credentials', setting);
  }
  return template;
}

/** The JWKS location of one pool under a validated template. */
export function jwksLocationFor(template: string, userPoolId: string): string {
  return template.split(POOL_PLACEHOLDER).join(userPoolId);
}

/**
 * A JWKS cache for aws-jwt-verify that reads each pool's keys from the injected location. The verifier still
 * asks for Cognito's URL of every accepted issuer (each issuer form, each replica Region); this fetcher answers
 * exactly those, from the location of the issuer's pool, and refuses any other URL, so nothing but the key source
 * differs from production.
 */
export function injectedJwksCache(template: string, issuers: readonly CognitoIssuer[]): SimpleJwksCache {
  const locations = new Map(issuers.map(({ jwksUri, userPoolId }) => [jwksUri, jwksLocationFor(template, userPoolId)]));
  return new SimpleJwksCache({ fetcher: new InjectedJwksFetcher(locations) });
}

/** Fetches JWKS documents from injected locations; see `injectedJwksCache`. */
export class InjectedJwksFetcher implements Fetcher {
  constructor(private readonly locations: ReadonlyMap<string, string>) {}

  /** Fetches the document standing in for `uri`; rejects URIs it was not configured for. */
  async fetch(uri: string): Promise<ArrayBuffer> {
    const target = this.locations.get(uri);
    if (target === undefined) throw new NonRetryableFetchError(uri, 'no JWKS location configured for this URI');
    return getDocument(target);
  }
}

/**
 * GET with node:http(s), as aws-jwt-verify's own fetcher does, rather than the global `fetch`: loading undici
 * costs ~15 ms of cold start. No redirects are followed; the body is capped. Plain http (a loopback emulator
 * only, see `parseJwksLocation`) loads node:http on first use: a deployed authorizer fetches over https only.
 */
async function getDocument(target: string): Promise<ArrayBuffer> {
  const send = target.startsWith('https:') ? httpsRequest : (await import('node:http')).request;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'GET', timeout: FETCH_TIMEOUT_MS }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new NonRetryableFetchError(target, `status code is ${response.statusCode}, expected 200`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > MAX_JWKS_BYTES) {
          req.destroy();
          reject(new NonRetryableFetchError(target, 'JWKS document too large'));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer);
      });
      response.on('error', (error) => reject(new FetchError(target, error.message)));
    });
    req.on('timeout', () => req.destroy(new Error(`no response within ${FETCH_TIMEOUT_MS} ms`)));
    req.on('error', (error) => reject(new FetchError(target, error.message)));
    req.end();
  });
}
