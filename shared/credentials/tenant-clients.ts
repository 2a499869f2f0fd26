import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ClientLimits } from '../runtime/dynamodb-client';
import { LruMap } from '../runtime/lru-map';
import type { TenantCredentialSource } from './tenant-credential-source';

/** SDK clients that can reach one tenant's data and nothing else. */
export interface TenantScopedClients {
  readonly tenantId: string;
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
}

export interface TenantClientsOptions {
  readonly source: TenantCredentialSource;
  /** Tenants whose clients are kept at most; the least recently used is dropped first. */
  readonly cacheSize: number;
  readonly limits: ClientLimits;
  /** Path-style S3 addressing (the local S3 emulator has no per-bucket host names). */
  readonly s3ForcePathStyle?: boolean;
}

/**
 * Tenant-scoped DynamoDB and S3 clients, one pair per tenant, built once and reused. Their `credentials` is a
 * provider that asks the credential source, so the SDK renews them by itself; the clients of all tenants share
 * one connection pool per service, so dropping a tenant's pair from the bounded cache closes nothing that
 * another request may be using.
 */
export class TenantClients {
  readonly #clients: LruMap<string, TenantScopedClients>;
  readonly #dynamodbHandler: NodeHttpHandler;
  readonly #s3Handler: NodeHttpHandler;

  constructor(private readonly options: TenantClientsOptions) {
    this.#clients = new LruMap(options.cacheSize);
    const { connectionTimeoutMs, requestTimeoutMs } = options.limits;
    const handler = { connectionTimeout: connectionTimeoutMs, requestTimeout: requestTimeoutMs };
    this.#dynamodbHandler = new NodeHttpHandler(handler);
    this.#s3Handler = new NodeHttpHandler(handler);
  }

  /**
   * The clients of `tenantId`, a tenant id already verified (`verifiedTenantId` of the authorizer context, never
   * a path, header or body value).
   */
  forTenant(tenantId: string): TenantScopedClients {
    const found = this.#clients.get(tenantId);
    if (found !== undefined) return found;
    const created = this.#create(tenantId);
    this.#clients.set(tenantId, created);
    return created;
  }

  /** Tenants whose clients are currently kept. */
  get size(): number {
    return this.#clients.size;
  }

  #create(tenantId: string): TenantScopedClients {
    const { source, limits } = this.options;
    const credentials = () => source.credentialsFor(tenantId);
    return {
      tenantId,
      dynamodb: new DynamoDBClient({
        credentials,
        maxAttempts: limits.maxAttempts,
        requestHandler: this.#dynamodbHandler,
      }),
      s3: new S3Client({
        credentials,
        maxAttempts: limits.maxAttempts,
        requestHandler: this.#s3Handler,
        forcePathStyle: this.options.s3ForcePathStyle === true,
      }),
    };
  }
}
