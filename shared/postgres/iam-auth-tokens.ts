import { Signer } from '@aws-sdk/rds-signer';
import type { TenantCredentialSource } from '../credentials/tenant-credential-source';
import { assertTenantId } from '../registry/tenant-id';
import { LruMap } from '../runtime/lru-map';
import type { DatabasePasswordSource } from './database-password-source';

export interface IamAuthTokensOptions {
  /** Tenant-scoped credentials (STS with the `TenantID` session tag): the token can only name the tenant's user. */
  readonly source: TenantCredentialSource;
  readonly hostname: string;
  readonly port: number;
  readonly region: string;
  /** Tenants whose token is kept at most. */
  readonly cacheSize: number;
  /** A token is reused this long; RDS accepts one for 15 minutes, so this stays well below. */
  readonly reuseSeconds: number;
  /** Milliseconds since the epoch; tests move time with it. */
  readonly now?: () => number;
}

// A token signed with credentials that expire sooner than its 15 minutes is only valid until they expire.
const CREDENTIALS_MARGIN_MS = 60_000;

interface CachedToken {
  readonly token: string;
  readonly renewAt: number;
}

/**
 * IAM database authentication tokens (`@aws-sdk/rds-signer`, a local SigV4 presign: no network call) for the
 * tenant's database user, whose name is the tenant id, signed with the tenant-scoped credentials. IAM allows
 * them only for `dbuser:<cluster>/${aws:PrincipalTag/TenantID}`. A token is reused until `reuseSeconds` or a
 * minute before the credentials that signed it expire, whichever comes first; connections already open are not
 * affected by its expiry (RDS checks the token when a connection signs in).
 */
export class IamAuthTokens implements DatabasePasswordSource {
  readonly #tokens: LruMap<string, CachedToken>;
  readonly #now: () => number;

  constructor(private readonly options: IamAuthTokensOptions) {
    this.#tokens = new LruMap(options.cacheSize);
    this.#now = options.now ?? Date.now;
  }

  /** A valid token for the tenant's database user: cached, or freshly signed. */
  async passwordFor(tenantId: string): Promise<string> {
    assertTenantId(tenantId);
    const cached = this.#tokens.get(tenantId);
    if (cached !== undefined && cached.renewAt > this.#now()) return cached.token;
    const { source, hostname, port, region, reuseSeconds } = this.options;
    const credentials = await source.credentialsFor(tenantId);
    const token = await new Signer({ hostname, port, region, username: tenantId, credentials }).getAuthToken();
    const expiration = credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
    const renewAt = Math.min(this.#now() + reuseSeconds * 1000, expiration - CREDENTIALS_MARGIN_MS);
    this.#tokens.set(tenantId, { token, renewAt });
    return token;
  }
}
