import { randomUUID } from 'node:crypto';
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { isReasonCode, type ReasonCode } from '../runtime/reason-codes';
import { CorruptItemError, type Item, M, N, readS, readStringMap, S } from './dynamo-item';
import { itemKey } from './registry-table';
import type { MembershipSource } from './tenant';

/** What changed: the kinds of audit item (docs/observability.md "Audit trail"). */
const AUDIT_ACTIONS = [
  'tenant-created',
  'member-assigned',
  'member-removed',
  'membership-transferred',
  'role-changed',
  'active-tenant-changed',
  'membership-migrated',
  'sign-up-refused',
  'tier-changed',
  'status-changed',
  'role-mappings-changed',
  'binding-added',
  'binding-removed',
] as const;

/** One of `AUDIT_ACTIONS`. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Sort-key prefix of audit items under a tenant's partition. */
export const AUDIT_SK_PREFIX = 'AUDIT#';

/** One recorded change (or refusal) of a tenant. */
export interface AuditEntry {
  readonly tenantId: string;
  /** ISO 8601 time of the change; with `id`, orders a tenant's trail. */
  readonly at: string;
  readonly action: AuditAction;
  /** Why: a reason code. */
  readonly reason: ReasonCode;
  /** Who: `operator:<name>` or `trigger:<function>`. */
  readonly actor: string;
  /** The Lambda request id, or the CLI run's id. */
  readonly requestId: string;
  /** The user the change concerns, when there is one. */
  readonly sub?: string | undefined;
  /** What exactly: small string facts (old and new tier, the binding, the role…). */
  readonly detail: Readonly<Record<string, string>>;
}

/** Who writes, and how long audit items are kept. */
export interface AuditSettings {
  /** `operator:<name>` or `trigger:<function>`. */
  readonly actor: string;
  /** Days an audit item is kept (DynamoDB TTL on `expiresAt`); 0 keeps it for good. */
  readonly retentionDays: number;
  /** The id of the request being served, read at each write (a Lambda sets it per invocation). */
  readonly requestId?: () => string;
}

/** The item key of an audit entry: tenant-partitioned, sorted by time, unique by its id suffix. */
function auditKey(tenantId: string, at: string, id: string): { pk: string; sk: string } {
  return { pk: `TENANT#${tenantId}`, sk: `${AUDIT_SK_PREFIX}${at}#${id}` };
}

/** The reason code recorded for a membership, from how it came to be. */
export function membershipReason(source: MembershipSource): ReasonCode {
  return SOURCE_REASONS[source];
}

const SOURCE_REASONS = {
  pool: 'pool-binding',
  idp: 'idp-binding',
  client: 'client-binding',
  domain: 'domain-binding',
  'self-service': 'self-service',
  invite: 'invitation',
  adopt: 'adoption',
  operator: 'operator-request',
  'tenant-admin': 'tenant-admin-request',
} as const satisfies Record<MembershipSource, ReasonCode>;

/**
 * Builds audit entries and their items for one writer. Items are written in the same transaction as the
 * change they record (a `Put` that only succeeds where no item with that key exists), so a change and its
 * audit item are committed together or not at all.
 */
export class AuditTrail {
  readonly #settings: AuditSettings;
  readonly #tableName: string;
  readonly #now: () => Date;

  constructor(tableName: string, settings: AuditSettings, now: () => Date) {
    this.#tableName = tableName;
    this.#settings = settings;
    this.#now = now;
  }

  /** An entry for a change of `tenantId` made now by this writer. */
  entry(
    tenantId: string,
    action: AuditAction,
    reason: ReasonCode,
    facts: { sub?: string | undefined; detail?: Record<string, string> } = {},
  ): AuditEntry {
    return {
      tenantId,
      at: this.#now().toISOString(),
      action,
      reason,
      actor: this.#settings.actor,
      requestId: this.#settings.requestId?.() || randomUUID(),
      sub: facts.sub,
      detail: facts.detail ?? {},
    };
  }

  /**
   * The transaction part that writes `entry`. `sequence` (0-255) orders entries written by one transaction,
   * which share their time: it leads the key's id, so the trail lists them in the order they were made.
   */
  put(entry: AuditEntry, sequence?: number): TransactWriteItem {
    return {
      Put: {
        TableName: this.#tableName,
        Item: this.item(entry, sequence),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** The item of `entry`, with its expiry when retention is limited (`sequence`: see `put`). */
  item(entry: AuditEntry, sequence?: number): Item {
    const days = this.#settings.retentionDays;
    const expiresAt = days > 0 ? Math.floor(Date.parse(entry.at) / 1000) + days * 86_400 : undefined;
    const random = randomUUID();
    const id =
      sequence === undefined ? random.slice(0, 8) : `${sequence.toString(16).padStart(2, '0')}${random.slice(0, 6)}`;
    return {
      ...itemKey(auditKey(entry.tenantId, entry.at, id)),
      tenantId: S(entry.tenantId),
      at: S(entry.at),
      action: S(entry.action),
      reason: S(entry.reason),
      actor: S(entry.actor),
      requestId: S(entry.requestId),
      ...(entry.sub === undefined ? {} : { sub: S(entry.sub) }),
      detail: M(entry.detail),
      ...(expiresAt === undefined ? {} : { expiresAt: N(expiresAt) }),
    };
  }
}

/** Reads an audit item; `CorruptItemError` for one the registry did not write. */
export function auditFromItem(item: Item): AuditEntry {
  const action = readS(item, 'action');
  const reason = readS(item, 'reason');
  if (!(AUDIT_ACTIONS as readonly string[]).includes(action)) throw new CorruptItemError(readS(item, 'sk'), 'action');
  if (!isReasonCode(reason)) throw new CorruptItemError(readS(item, 'sk'), 'reason');
  return {
    tenantId: readS(item, 'tenantId'),
    at: readS(item, 'at'),
    action: action as AuditAction,
    reason,
    actor: readS(item, 'actor'),
    requestId: readS(item, 'requestId'),
    sub: item.sub?.S,
    detail: readStringMap(item, 'detail'),
  };
}
