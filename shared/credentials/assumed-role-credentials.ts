import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { assertTenantId, TENANT_TAG } from '../registry/tenant-id';
import type { DecisionMetrics } from '../runtime/decision-metrics';
import { CredentialsUnavailableError } from '../runtime/errors';
import { LruMap } from '../runtime/lru-map';
import { roleSessionName } from './role-session-name';
import type { TenantCredentialSource } from './tenant-credential-source';

export interface AssumedRoleOptions {
  readonly sts: STSClient;
  /** The ABAC role (`TenantDataAccessRole`). */
  readonly roleArn: string;
  readonly durationSeconds: number;
  /** Cached credentials are renewed this many seconds before they expire. */
  readonly marginSeconds: number;
  /** Tenants kept at most; the least recently used is dropped first. */
  readonly cacheSize: number;
  /** Who assumes, for CloudTrail (the function name). */
  readonly caller: string;
  /** Milliseconds since the epoch; tests move time with it. */
  readonly now?: () => number;
  /** Counts each `AssumeRole` (docs/observability.md "Metrics": `issued`/`tenant-credentials`, `failed`/`credentials-unavailable`). */
  readonly metrics?: Pick<DecisionMetrics, 'record'>;
}

type Expiring = AwsCredentialIdentity & { readonly expiration: Date };

/**
 * Tenant-scoped credentials from `sts:AssumeRole` on one ABAC role with the session tag `TenantID`.
 *
 * - cached per container and tenant until `marginSeconds` before expiry, so STS is called at most once per
 *   tenant per (duration − margin) while the tenant stays in the cache;
 * - single flight: concurrent callers for a tenant share one `AssumeRole`;
 * - bounded: at most `cacheSize` tenants, least recently used dropped first;
 * - fail closed: an STS failure rejects with `CredentialsUnavailableError` (nothing cached, the next call asks
 *   STS again); nothing ever falls back to the function's own role.
 */
export class AssumedRoleCredentials implements TenantCredentialSource {
  readonly #cache: LruMap<string, Expiring>;
  readonly #inFlight = new Map<string, Promise<Expiring>>();
  readonly #marginMs: number;
  readonly #now: () => number;

  constructor(private readonly options: AssumedRoleOptions) {
    this.#cache = new LruMap(options.cacheSize);
    this.#marginMs = options.marginSeconds * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Credentials for `tenantId`: cached, joined to an in-flight request, or freshly assumed. */
  credentialsFor(tenantId: string): Promise<AwsCredentialIdentity> {
    const cached = this.#cache.get(tenantId);
    if (cached !== undefined && cached.expiration.getTime() - this.#marginMs > this.#now()) {
      return Promise.resolve(cached);
    }
    let pending = this.#inFlight.get(tenantId);
    if (pending === undefined) {
      pending = this.#assume(tenantId).finally(() => this.#inFlight.delete(tenantId));
      this.#inFlight.set(tenantId, pending);
    }
    return pending;
  }

  /** Tenants currently cached (for tests and diagnostics). */
  get size(): number {
    return this.#cache.size;
  }

  async #assume(tenantId: string): Promise<Expiring> {
    // The tag value lands in ARNs and key conditions: never send one that is not a tenant id.
    assertTenantId(tenantId);
    const { sts, roleArn, durationSeconds, caller } = this.options;
    let credentials: Expiring;
    try {
      const response = await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: roleSessionName(tenantId, caller),
          DurationSeconds: durationSeconds,
          Tags: [{ Key: TENANT_TAG, Value: tenantId }],
        }),
      );
      credentials = readCredentials(response.Credentials);
    } catch (error) {
      this.#cache.delete(tenantId);
      this.options.metrics?.record('failed', 'credentials-unavailable');
      throw new CredentialsUnavailableError(tenantId, { cause: error });
    }
    // Cache hits are not counted: the metric is credentials issued by STS, one per tenant and session.
    this.options.metrics?.record('issued', 'tenant-credentials');
    this.#cache.set(tenantId, credentials);
    return credentials;
  }
}

function readCredentials(
  value: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date } | undefined,
): Expiring {
  const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = value ?? {};
  if (!AccessKeyId || !SecretAccessKey || !SessionToken || !(Expiration instanceof Date)) {
    throw new Error('AssumeRole answered without complete credentials');
  }
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    sessionToken: SessionToken,
    expiration: Expiration,
  };
}
