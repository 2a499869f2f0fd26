import { describe, expect, it } from 'vitest';
import { documentIdFromSortKey, documentObjectKey, isDocumentId } from '../../shared/documents/document';
import { tenantMembersDecide } from '../../shared/documents/document-decision';
import { documentsConfigFromEnv } from '../../shared/documents/documents-config';
import { ConfigurationError } from '../../shared/runtime/errors';

const ROLE = 'arn:aws:iam::123456789012:role/cognito-tenancy-prod-TenantDataAccessRole';
const ENV = {
  TENANCY_DATA_ROLE_ARN: ROLE,
  TENANCY_DATA_TABLE_NAME: 'cognito-tenancy-prod-tenant-data',
  TENANCY_DATA_BUCKET_NAME: 'cognito-tenancy-prod-tenantdatabucket-1a2b3c',
};

describe('documentsConfigFromEnv', () => {
  it('reads the table, the bucket and the credentials settings', () => {
    // Act
    const config = documentsConfigFromEnv(ENV);

    // Assess
    expect(config).toEqual({
      tableName: 'cognito-tenancy-prod-tenant-data',
      bucketName: 'cognito-tenancy-prod-tenantdatabucket-1a2b3c',
      credentials: { mode: 'assume-role', roleArn: ROLE, durationSeconds: 900, marginSeconds: 300, cacheSize: 1000 },
      metadata: { store: 'dynamodb' },
    });
  });

  it('keeps metadata in PostgreSQL when it is configured, unless told otherwise', () => {
    // Prepare
    const postgres = {
      TENANCY_POSTGRES_HOST: 'db.example.com',
      TENANCY_POSTGRES_DATABASE: 'tenancy',
      AWS_REGION: 'us-east-1',
    };

    // Act
    const chosen = documentsConfigFromEnv({ ...ENV, ...postgres });
    const explicit = documentsConfigFromEnv({ ...ENV, ...postgres, TENANCY_DOCUMENTS_METADATA: 'dynamodb' });

    // Assess
    expect(chosen.metadata).toMatchObject({ store: 'postgres', postgres: { host: 'db.example.com', tls: true } });
    expect(explicit.metadata).toEqual({ store: 'dynamodb' });
  });

  it.each([
    [{ ...ENV, TENANCY_DATA_TABLE_NAME: '' }],
    [{ ...ENV, TENANCY_DATA_BUCKET_NAME: undefined }],
    // An unresolved CloudFormation reference (an object stringified by an emulator) is no bucket name.
    [{ ...ENV, TENANCY_DATA_BUCKET_NAME: '[object Object]' }],
    [{ ...ENV, TENANCY_DATA_BUCKET_NAME: 'Upper_Case' }],
    [{ ...ENV, TENANCY_DATA_ROLE_ARN: undefined }],
    [{ ...ENV, TENANCY_DOCUMENTS_METADATA: 'postgres' }],
    [{ ...ENV, TENANCY_DOCUMENTS_METADATA: 'mysql' }],
  ])('refuses a missing or malformed setting at cold start: %j', (env) => {
    // Act / Assess
    expect(() => documentsConfigFromEnv(env)).toThrow(ConfigurationError);
  });
});

describe('document keys', () => {
  it('accepts only random UUIDs as ids and reads them back from sort keys', () => {
    // Prepare
    const id = '0b7e4a3c-2f1d-4c5b-9a8e-7d6c5b4a3f21';

    // Act / Assess
    expect(isDocumentId(id)).toBe(true);
    for (const bad of ['../x', `${id}/x`, id.toUpperCase(), '', 42]) expect(isDocumentId(bad)).toBe(false);
    expect(documentIdFromSortKey(`DOC#${id}`)).toBe(id);
    expect(documentIdFromSortKey(`SHARE#${id}`)).toBeUndefined();
    expect(documentIdFromSortKey('DOC#not-an-id')).toBeUndefined();
    expect(documentObjectKey('acme', id)).toBe(`acme/documents/${id}`);
  });
});

describe('tenantMembersDecide', () => {
  it("allows the tenant's users and refuses another tenant's document", () => {
    // Prepare
    const caller = { sub: 'sub-ann', tenantId: 'acme', groups: [] };
    const document = {
      tenantId: 'acme',
      id: 'x',
      title: 't',
      owner: 'sub-bob',
      contentType: 'text/plain',
      size: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
    };

    // Act / Assess
    expect(tenantMembersDecide({ caller, action: 'list' })).toBe(true);
    expect(tenantMembersDecide({ caller, action: 'read', document })).toBe(true);
    expect(tenantMembersDecide({ caller, action: 'read', document: { ...document, tenantId: 'globex' } })).toBe(false);
  });
});
