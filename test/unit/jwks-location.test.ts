import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InjectedJwksFetcher, parseJwksLocation } from '../../shared/authorizer/jwks-location';
import { ConfigurationError } from '../../shared/runtime/errors';

const POOL = 'us-east-1_TenancyPool1';
const COGNITO_JWKS = CognitoJwtVerifier.parseUserPoolId(POOL).jwksUri;
const JWKS = JSON.stringify({ keys: [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB' }] });

describe('injected JWKS location', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    // A key server on 127.0.0.1 with the answers a misbehaving one could give.
    server = createServer((request, response) => {
      if (request.url === '/ok') response.end(JWKS);
      else if (request.url === '/big') response.end('x'.repeat(300 * 1024));
      else if (request.url === '/redirect') response.writeHead(302, { location: '/ok' }).end();
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const fetcherFor = (path: string) => new InjectedJwksFetcher(new Map([[COGNITO_JWKS, `${base}${path}`]]));

  it("serves the pool's Cognito JWKS URI from the injected location", async () => {
    // Act
    const body = await fetcherFor('/ok').fetch(COGNITO_JWKS);

    // Assess
    expect(Buffer.from(body).toString('utf8')).toBe(JWKS);
  });

  it.each([
    ['a URI it was not configured for', '/ok', 'https://attacker.example/jwks.json', /no JWKS location configured/],
    ['a non-200 answer', '/missing', COGNITO_JWKS, /status code is 404, expected 200/],
    ['a redirect (never followed)', '/redirect', COGNITO_JWKS, /status code is 302, expected 200/],
    ['a document over 256 KiB', '/big', COGNITO_JWKS, /JWKS document too large/],
  ])('refuses %s', async (_case, path, uri, reason) => {
    // Act
    const fetched = fetcherFor(path).fetch(uri);

    // Assess
    await expect(fetched).rejects.toThrow(reason);
  });

  it.each([
    'http://10.0.0.5/{userPoolId}/jwks.json',
    'http://cognito.example/{userPoolId}/jwks.json',
    'ftp://127.0.0.1/jwks.json',
    'https://user:secret@keys.example/{userPoolId}/jwks.json',
    'not a url',
  ])('rejects %s at cold start', (template) => {
    expect(() => parseJwksLocation(template, [POOL])).toThrow(ConfigurationError);
  });

  it('accepts https anywhere and http on loopback only', () => {
    expect(parseJwksLocation('https://keys.example/{userPoolId}/jwks.json', [POOL])).toBeTypeOf('string');
    expect(parseJwksLocation('http://127.0.0.1:9229/{userPoolId}/.well-known/jwks.json', [POOL])).toBeTypeOf('string');
    expect(parseJwksLocation('http://localhost:9229/{userPoolId}/jwks.json', [POOL])).toBeTypeOf('string');
  });
});
