import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { AssumedRoleCredentials } from '../../shared/credentials/assumed-role-credentials';
import { credentialSource } from '../../shared/credentials/credential-source';
import { credentialsConfigFromEnv } from '../../shared/credentials/credentials-config';
import { roleSessionName } from '../../shared/credentials/role-session-name';
import { StaticCredentials } from '../../shared/credentials/static-credentials';
import { TenantClients } from '../../shared/credentials/tenant-clients';
import { verifiedTenantId } from '../../shared/credentials/tenant-context';
import type { TenantCredentialSource } from '../../shared/credentials/tenant-credential-source';
import { TRIGGER_CLIENT_LIMITS } from '../../shared/runtime/dynamodb-client';
import { ConfigurationError, InvalidInputError } from '../../shared/runtime/errors';

const ROLE = 'arn:aws:iam::123456789012:role/cognito-tenancy-prod-TenantDataAccessRole';

/** A source that records which tenant each credentials request was for. */
function recordingSource() {
  const asked: string[] = [];
  const source: TenantCredentialSource = {
    credentialsFor: async (tenantId) => {
      asked.push(tenantId);
      return { accessKeyId: `key-${tenantId}`, secretAccessKey: 'secret' };
    },
  };
  return { asked, source };
}

describe('TenantClients', () => {
  it('builds one DynamoDB and S3 client pair per tenant, whose credentials come from that tenant only', async () => {
    // Prepare
    const { asked, source } = recordingSource();
    const clients = new TenantClients({ source, cacheSize: 10, limits: TRIGGER_CLIENT_LIMITS });

    // Act
    const acme = clients.forTenant('acme');
    const again = clients.forTenant('acme');
    const globex = clients.forTenant('globex');
    const acmeDynamo = await acme.dynamodb.config.credentials();
    const acmeS3 = await acme.s3.config.credentials();
    const globexDynamo = await globex.dynamodb.config.credentials();

    // Assess
    expect(again).toBe(acme);
    expect(globex.dynamodb).not.toBe(acme.dynamodb);
    expect([acmeDynamo.accessKeyId, acmeS3.accessKeyId, globexDynamo.accessKeyId]).toEqual([
      'key-acme',
      'key-acme',
      'key-globex',
    ]);
    expect(asked).toEqual(['acme', 'acme', 'globex']);
  });

  it('keeps at most cacheSize tenants, dropping the least recently used', () => {
    // Prepare
    const clients = new TenantClients({
      source: recordingSource().source,
      cacheSize: 2,
      limits: TRIGGER_CLIENT_LIMITS,
    });
    const acme = clients.forTenant('acme');
    clients.forTenant('globex');
    clients.forTenant('acme');

    // Act
    clients.forTenant('initech');

    // Assess
    expect(clients.size).toBe(2);
    expect(clients.forTenant('acme')).toBe(acme);
    expect(clients.size).toBe(2);
  });

  it('takes the tenant from the authorizer context only, refusing a context without a well-formed tenant', () => {
    // Act
    const verified = verifiedTenantId({ tenantId: 'acme' });
    const refused = [undefined, {}, { tenantId: 'ACME' }, { tenantId: 'acme/*' }, { tenantId: ['acme'] }].map(
      (context) => {
        try {
          verifiedTenantId(context);
          return undefined;
        } catch (error) {
          return error;
        }
      },
    );

    // Assess
    expect(verified).toBe('acme');
    for (const failure of refused) expect(failure).toBeInstanceOf(InvalidInputError);
  });

  it('fails a data call closed when the credentials cannot be obtained, without reaching the network', async () => {
    // Prepare
    const failing: TenantCredentialSource = {
      credentialsFor: async () => {
        throw new Error('sts down');
      },
    };
    const clients = new TenantClients({ source: failing, cacheSize: 2, limits: TRIGGER_CLIENT_LIMITS });

    // Act
    const failure = await clients
      .forTenant('acme')
      .dynamodb.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'acme' } } }))
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({ message: 'sts down' });
  });
});

describe('StaticCredentials', () => {
  it('hands every well-formed tenant the same static credentials and refuses malformed ids', async () => {
    // Prepare
    const source = new StaticCredentials({ accessKeyId: 'local', secretAccessKey: 'local' });

    // Act
    const acme = await source.credentialsFor('acme');
    const bad = await source.credentialsFor('acme/*').catch((error: unknown) => error);

    // Assess
    expect(acme).toEqual({ accessKeyId: 'local', secretAccessKey: 'local' });
    expect(bad).toBeInstanceOf(InvalidInputError);
  });
});

describe('roleSessionName', () => {
  it('puts the whole tenant id first and the caller after it, within 64 safe characters', () => {
    // Act
    const short = roleSessionName('acme', 'cognito-tenancy-prod-documents');
    const long = roleSessionName('a'.repeat(63), 'cognito-tenancy-prod-documents');
    const odd = roleSessionName('acme', 'fn:with spaces');

    // Assess
    expect(short).toBe('acme@cognito-tenancy-prod-documents');
    expect(long).toBe(`${'a'.repeat(63)}@`);
    expect(odd).toBe('acme@fn-with-spaces');
  });
});

describe('credentialsConfigFromEnv', () => {
  it('reads the role, a 900 s session and a 300 s margin by default', () => {
    // Act
    const config = credentialsConfigFromEnv({ TENANCY_DATA_ROLE_ARN: ROLE });

    // Assess
    expect(config).toEqual({
      mode: 'assume-role',
      roleArn: ROLE,
      durationSeconds: 900,
      marginSeconds: 300,
      cacheSize: 1000,
    });
  });

  it('accepts durations up to the one-hour role-chaining limit and margins below the duration', () => {
    // Act
    const config = credentialsConfigFromEnv({
      TENANCY_DATA_ROLE_ARN: ROLE,
      TENANCY_CREDENTIALS_SECONDS: '3600',
      TENANCY_CREDENTIALS_MARGIN_SECONDS: '600',
      TENANCY_CREDENTIALS_CACHE_SIZE: '50',
    });

    // Assess
    expect(config).toMatchObject({ durationSeconds: 3600, marginSeconds: 600, cacheSize: 50 });
  });

  it.each([
    [{}],
    [{ TENANCY_DATA_ROLE_ARN: 'TenantDataAccessRole' }],
    [{ TENANCY_DATA_ROLE_ARN: ROLE, TENANCY_CREDENTIALS_SECONDS: '7200' }],
    [{ TENANCY_DATA_ROLE_ARN: ROLE, TENANCY_CREDENTIALS_SECONDS: '60' }],
    [{ TENANCY_DATA_ROLE_ARN: ROLE, TENANCY_CREDENTIALS_MARGIN_SECONDS: '900' }],
    [{ TENANCY_DATA_ROLE_ARN: ROLE, TENANCY_CREDENTIALS_MARGIN_SECONDS: '0' }],
    [{ TENANCY_DATA_ROLE_ARN: ROLE, TENANCY_CREDENTIALS_MARGIN_SECONDS: '59' }],
    [{ TENANCY_DATA_ROLE_ARN: ROLE, TENANCY_CREDENTIALS_CACHE_SIZE: '0' }],
    [{ TENANCY_DATA_ROLE_ARN: ROLE, TENANCY_CREDENTIALS_SECOND: '900' }],
  ])('rejects unsafe or unknown settings at cold start: %j', (env) => {
    // Act / Assess
    expect(() => credentialsConfigFromEnv(env)).toThrow(ConfigurationError);
  });

  it('allows static local credentials only when every data endpoint is on the loopback interface', () => {
    // Prepare
    const local = {
      TENANCY_LOCAL_CREDENTIALS: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4569',
    };

    // Act
    const config = credentialsConfigFromEnv(local);

    // Assess
    expect(config).toEqual({ mode: 'static-local', cacheSize: 1000 });
    expect(() => credentialsConfigFromEnv({ ...local, AWS_ENDPOINT_URL_S3: undefined })).toThrow(ConfigurationError);
    expect(() =>
      credentialsConfigFromEnv({ ...local, AWS_ENDPOINT_URL_DYNAMODB: 'https://dynamodb.us-east-1.amazonaws.com' }),
    ).toThrow(ConfigurationError);
    expect(() =>
      credentialsConfigFromEnv({ ...local, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1.attacker.example:80' }),
    ).toThrow(ConfigurationError);
  });

  it('builds the source its mode names: STS in AWS, the environment credentials locally', async () => {
    // Act
    const sts = credentialSource(
      credentialsConfigFromEnv({ TENANCY_DATA_ROLE_ARN: ROLE }),
      {},
      TRIGGER_CLIENT_LIMITS,
      'fn',
    );
    const local = credentialSource(
      { mode: 'static-local', cacheSize: 10 },
      { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' },
      TRIGGER_CLIENT_LIMITS,
      'fn',
    );

    // Assess
    expect(sts).toBeInstanceOf(AssumedRoleCredentials);
    expect(await local.credentialsFor('acme')).toEqual({ accessKeyId: 'k', secretAccessKey: 's' });
  });
});
