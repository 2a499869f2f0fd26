import { createHmac, generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';

/** Pools, clients and an API used across the authorizer tests (AWS-shaped, never reached). */
export const POOL_ID = 'us-east-1_TenancyPool1';
export const OTHER_POOL_ID = 'us-east-1_OtherPool99';
export const CLIENT_ID = 'abcdefghij1234567890klmnop';
export const OTHER_CLIENT_ID = 'zyxwvutsrq0987654321mlkjih';
export const ARN_PREFIX = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/';

/** An RSA signing key and its public JWK (with `kid`, `alg`, `use`), as Cognito publishes them. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: Record<string, string>;
}

/** A fresh 2048-bit RSA key pair (real crypto: tests sign real tokens with it). */
export function createSigningKey(kid: string = randomUUID()): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const exported = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return { kid, privateKey, publicKey, jwk: { ...exported, kid, alg: 'RS256', use: 'sig' } };
}

/** A JWKS document holding these keys. */
export function jwksOf(...keys: SigningKey[]): { keys: Record<string, string>[] } {
  return { keys: keys.map((key) => key.jwk) };
}

/** The Cognito issuer of a pool. */
function issuerOf(poolId: string): string {
  return `https://cognito-idp.${poolId.split('_')[0]}.amazonaws.com/${poolId}`;
}

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const encodePart = (value: unknown) => b64url(JSON.stringify(value));

/** Signs a compact JWS with RS256 and the given key; `header` is merged over `{alg, kid, typ}`. */
export function signRs256(payload: object, key: SigningKey, header: object = {}): string {
  const input = `${encodePart({ kid: key.kid, alg: 'RS256', ...header })}.${encodePart(payload)}`;
  return `${input}.${b64url(sign('sha256', Buffer.from(input), key.privateKey))}`;
}

/** Signs with HS256 — used to check that a public key is never accepted as an HMAC secret. */
export function signHs256(payload: object, secret: Buffer | string, header: object = {}): string {
  const input = `${encodePart({ alg: 'HS256', ...header })}.${encodePart(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** An unsigned token (`alg: none`); `signature` lets a test append something that looks like one. */
export function unsignedToken(payload: object, header: object = {}, signature = ''): string {
  return `${encodePart({ alg: 'none', ...header })}.${encodePart(payload)}.${signature}`;
}

/** Options for the claims of a Cognito-shaped token. */
export interface ClaimOptions {
  readonly poolId?: string;
  readonly clientId?: string;
  readonly tokenUse?: 'access' | 'id';
  readonly tenantId?: string | null;
  readonly tier?: string | null;
  readonly groups?: readonly string[] | null;
  /** The claims contract version claim (`tenancy:v`); 1 unless given, `null` leaves it out. */
  readonly claimsVersion?: unknown;
  readonly sub?: string;
  /** Seconds from now; negative for an expired token. */
  readonly expiresIn?: number;
  readonly notBefore?: number;
  readonly extra?: Record<string, unknown>;
}

/**
 * Claims of an access (default) or ID token as the pre-token trigger shapes them: `tenantId`, `tier`,
 * `tenancy:v` and `cognito:groups`. `null` leaves a claim out.
 */
export function cognitoClaims(options: ClaimOptions = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const tokenUse = options.tokenUse ?? 'access';
  const clientId = options.clientId ?? CLIENT_ID;
  const claims: Record<string, unknown> = {
    sub: options.sub ?? 'b1f0a7c2-0000-4000-8000-000000000001',
    iss: issuerOf(options.poolId ?? POOL_ID),
    token_use: tokenUse,
    auth_time: now - 10,
    iat: now - 10,
    exp: now + (options.expiresIn ?? 3600),
    jti: randomUUID(),
    origin_jti: randomUUID(),
    ...(tokenUse === 'access'
      ? { client_id: clientId, scope: 'aws.cognito.signin.user.admin', username: 'alice', version: 2 }
      : { aud: clientId, 'cognito:username': 'alice', email: 'alice@acme.example' }),
  };
  if (options.notBefore !== undefined) claims.nbf = now + options.notBefore;
  if (options.tenantId !== null) claims.tenantId = options.tenantId ?? 'acme';
  if (options.tier !== null) claims.tier = options.tier ?? 'standard';
  if (options.groups !== null) claims['cognito:groups'] = options.groups ?? ['tenant-member'];
  if (options.claimsVersion !== null) claims['tenancy:v'] = options.claimsVersion ?? 1;
  return { ...claims, ...options.extra };
}
