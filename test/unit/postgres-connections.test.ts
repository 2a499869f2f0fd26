import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TenantCredentialSource } from '../../shared/credentials/tenant-credential-source';
import { IamAuthTokens } from '../../shared/postgres/iam-auth-tokens';
import { localTenantPassword } from '../../shared/postgres/local-password';
import { LocalPasswords } from '../../shared/postgres/local-passwords';
import { postgresConfigFromEnv } from '../../shared/postgres/postgres-config';
import { tenantPoolsFromConfig } from '../../shared/postgres/tenant-pools-from-config';
import { isTransientPostgresError } from '../../shared/postgres/transient-postgres-error';
import { ConfigurationError, InvalidInputError } from '../../shared/runtime/errors';

const HOST = 'tenancy.cluster-abc123.us-east-1.rds.amazonaws.com';
const ENV = { TENANCY_POSTGRES_HOST: HOST, TENANCY_POSTGRES_DATABASE: 'tenancy', AWS_REGION: 'us-east-1' };

/** A credential source that records each request and hands out credentials expiring at `expiresAt`. */
function credentials(expiresAt = Number.POSITIVE_INFINITY) {
  const asked: string[] = [];
  let issued = 0;
  const source: TenantCredentialSource = {
    credentialsFor: async (tenantId) => {
      asked.push(tenantId);
      issued += 1;
      return {
        accessKeyId: `AKIA${tenantId.toUpperCase().replace(/-/g, '')}${issued}`,
        secretAccessKey: 'secret',
        sessionToken: 'session',
        ...(Number.isFinite(expiresAt) ? { expiration: new Date(expiresAt) } : {}),
      };
    },
  };
  return { asked, source };
}

function tokens(source: TenantCredentialSource, now: () => number) {
  return new IamAuthTokens({
    source,
    hostname: HOST,
    port: 5432,
    region: 'us-east-1',
    cacheSize: 10,
    reuseSeconds: 600,
    now,
  });
}

describe('IamAuthTokens', () => {
  it('signs an rds-db connect token for the tenant’s own database user with the tenant-scoped credentials', async () => {
    // Prepare
    const { asked, source } = credentials();
    const signer = tokens(source, () => Date.now());

    // Act
    const token = new URL(`https://${await signer.passwordFor('acme')}`);

    // Assess
    expect(asked).toEqual(['acme']);
    expect(token.host).toBe(`${HOST}:5432`);
    expect(token.searchParams.get('Action')).toBe('connect');
    expect(token.searchParams.get('DBUser')).toBe('acme');
    expect(token.searchParams.get('X-Amz-Credential')).toMatch(/^AKIAACME1\/\d{8}\/us-east-1\/rds-db\/aws4_request$/);
    expect(token.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(token.searchParams.get('X-Amz-Security-Token')).toBe('session');
  });

  it('reuses a token for reuseSeconds, then signs a new one before the 15 minutes run out', async () => {
    // Prepare
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { asked, source } = credentials();
    const signer = tokens(source, () => now);
    const first = await signer.passwordFor('acme');

    // Act
    now += 599_000;
    const reused = await signer.passwordFor('acme');
    now += 2_000;
    const renewed = await signer.passwordFor('acme');

    // Assess
    expect(reused).toBe(first);
    expect(renewed).not.toBe(first);
    expect(asked).toEqual(['acme', 'acme']);
  });

  it('renews a token a minute before the credentials that signed it expire, when that comes first', async () => {
    // Prepare
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { asked, source } = credentials(now + 120_000);
    const signer = tokens(source, () => now);
    await signer.passwordFor('acme');

    // Act
    now += 59_000;
    await signer.passwordFor('acme');
    now += 2_000;
    await signer.passwordFor('acme');

    // Assess
    expect(asked).toEqual(['acme', 'acme']);
  });

  it('keeps tenants apart: each token names its own user and was signed with its own credentials', async () => {
    // Prepare
    const { source } = credentials();
    const signer = tokens(source, () => Date.now());

    // Act
    const acme = new URL(`https://${await signer.passwordFor('acme')}`);
    const globex = new URL(`https://${await signer.passwordFor('globex')}`);

    // Assess
    expect([acme.searchParams.get('DBUser'), globex.searchParams.get('DBUser')]).toEqual(['acme', 'globex']);
    expect(globex.searchParams.get('X-Amz-Credential')).toMatch(/^AKIAGLOBEX/);
  });

  it('never signs for a string that is not a tenant id, and never asks for credentials for one (property)', async () => {
    // Prepare
    const { asked, source } = credentials();
    const signer = tokens(source, () => Date.now());
    const notTenantIds = fc.string({ maxLength: 80 }).filter((s) => !/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/.test(s));

    // Act & Assess
    await fc.assert(
      fc.asyncProperty(notTenantIds, async (value) => {
        await expect(signer.passwordFor(value)).rejects.toBeInstanceOf(InvalidInputError);
      }),
    );
    expect(asked).toEqual([]);
  });
});

describe('LocalPasswords', () => {
  it('derives a different password per tenant and per secret, and refuses what is not a tenant id', async () => {
    // Prepare
    const passwords = new LocalPasswords('local-secret-0123456789');

    // Act
    const acme = await passwords.passwordFor('acme');
    const globex = await passwords.passwordFor('globex');

    // Assess
    expect(acme).toBe(localTenantPassword('local-secret-0123456789', 'acme'));
    expect(acme).not.toBe(globex);
    expect(acme).not.toBe(localTenantPassword('another-secret-0123456789', 'acme'));
    await expect(passwords.passwordFor('postgres"')).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('postgresConfigFromEnv', () => {
  it('is off without a host', () => {
    // Act & Assess
    expect(postgresConfigFromEnv({})).toBeUndefined();
  });

  it('signs in with IAM tokens over verified TLS by default, with bounded pools', () => {
    // Act
    const config = postgresConfigFromEnv(ENV);

    // Assess
    expect(config).toEqual({
      host: HOST,
      port: 5432,
      database: 'tenancy',
      auth: { mode: 'iam', region: 'us-east-1' },
      tls: true,
      maxTenants: 50,
      connectionsPerTenant: 2,
      idleSeconds: 60,
    });
  });

  it('accepts local passwords against 127.0.0.1 only, without TLS', () => {
    // Act
    const config = postgresConfigFromEnv({
      TENANCY_POSTGRES_HOST: '127.0.0.1',
      TENANCY_POSTGRES_PORT: '54321',
      TENANCY_POSTGRES_DATABASE: 'tenancy',
      TENANCY_POSTGRES_AUTH: 'local-password',
      TENANCY_POSTGRES_LOCAL_SECRET: 'local-secret-0123456789',
    });

    // Assess
    expect(config).toMatchObject({ port: 54321, auth: { mode: 'local-password' }, tls: false });
  });

  it.each([
    [{ ...ENV, TENANCY_POSTGRES_AUTH: 'local-password', TENANCY_POSTGRES_LOCAL_SECRET: 'local-secret-0123456789' }],
    [{ ...ENV, TENANCY_POSTGRES_HOST: '127.0.0.1', TENANCY_POSTGRES_AUTH: 'local-password' }],
    [
      {
        ...ENV,
        TENANCY_POSTGRES_HOST: 'localhost',
        TENANCY_POSTGRES_AUTH: 'local-password',
        TENANCY_POSTGRES_LOCAL_SECRET: 'short',
      },
    ],
    [{ ...ENV, TENANCY_POSTGRES_AUTH: 'password' }],
    [{ ...ENV, TENANCY_POSTGRES_HOST: 'db host' }],
    [{ ...ENV, TENANCY_POSTGRES_DATABASE: undefined }],
    [{ ...ENV, TENANCY_POSTGRES_DATABASE: 'Tenancy; DROP' }],
    [{ ...ENV, TENANCY_POSTGRES_PORT: '0' }],
    [{ ...ENV, TENANCY_POSTGRES_CONNECTIONS_PER_TENANT: '0' }],
    [{ ...ENV, AWS_REGION: undefined }],
    [{ ...ENV, TENANCY_POSTGRES_SSL: 'false' }],
  ])('refuses an unsafe or malformed setting at cold start: %j', (env) => {
    // Act & Assess
    expect(() => postgresConfigFromEnv(env)).toThrow(ConfigurationError);
  });
});

describe('isTransientPostgresError', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it.each([
    [withCode('53300', 'sorry, too many clients already'), true],
    [withCode('57P01', 'terminating connection due to administrator command'), true],
    [withCode('57P03', 'the database system is starting up'), true],
    [withCode('08006'), true],
    [withCode('40001'), true],
    [withCode('40P01'), true],
    [withCode('ECONNREFUSED'), true],
    [new Error('timeout expired'), true],
    [new Error('Connection terminated unexpectedly'), true],
    [withCode('28P01', 'password authentication failed for user "acme"'), false],
    [withCode('42501', 'new row violates row-level security policy'), false],
    [withCode('23505', 'duplicate key value violates unique constraint'), false],
    [withCode('57014', 'canceling statement due to statement timeout'), false],
    [new Error('syntax'), false],
    ['53300', false],
  ])('classifies %s as transient: %s', (error, transient) => {
    // Act & Assess
    expect(isTransientPostgresError(error)).toBe(transient);
  });
});

describe('tenantPoolsFromConfig', () => {
  it('builds pools that sign in as the tenant with an IAM token over verified TLS', async () => {
    // Prepare
    const { asked, source } = credentials();
    const config = postgresConfigFromEnv(ENV);
    if (config === undefined) throw new Error('config expected');
    const pools = tenantPoolsFromConfig(config, source);

    // Act
    const pool = pools.forTenant('acme');
    const options = pool.options as { user?: string; ssl?: unknown; max?: number; password?: () => Promise<string> };
    const token = new URL(`https://${await options.password?.()}`);

    // Assess
    expect([options.user, options.ssl, options.max]).toEqual(['acme', { rejectUnauthorized: true }, 2]);
    expect(token.searchParams.get('DBUser')).toBe('acme');
    expect(asked).toEqual(['acme']);
    await pools.end();
  });
});
