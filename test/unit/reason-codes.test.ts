import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BindingNotFoundError,
  CredentialsUnavailableError,
  DeadlineExceededError,
  DirectoryUnavailableError,
  InvalidInputError,
  LastAdminError,
  MembershipMismatchError,
  MembershipNotFoundError,
  NoTenantForUserError,
  PolicyEngineError,
  PolicyStoreNotFoundError,
  RegistryUnavailableError,
  SeatLimitError,
  TenancyError,
  TenantInactiveError,
  TenantNotAssignedError,
  TenantNotFoundError,
} from '../../shared/runtime/errors';
import {
  isReasonCode,
  OUTCOMES,
  REASON_CODES,
  reasonOf,
  refusalOutcome,
  tierOf,
} from '../../shared/runtime/reason-codes';

// The reason codes' documentation: docs/observability.md "Reason codes".
const OBSERVABILITY = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'observability.md'), 'utf8');
// Their meanings are the doc comments of shared/runtime/reason-codes.ts (minified out of the bundles).
const REASON_CODES_SOURCE = readFileSync(
  join(import.meta.dirname, '..', '..', 'shared', 'runtime', 'reason-codes.ts'),
  'utf8',
);

describe('reason codes', () => {
  it('are documented in the docs/observability.md table exactly as listed, with their outcomes and meaning', () => {
    // Prepare
    // The section alone: the tables of later sections (the audit trail's) have rows of the same shape.
    const heading = OBSERVABILITY.indexOf('\n## Reason codes\n');
    const start = heading + '\n## Reason codes\n'.length;
    const next = OBSERVABILITY.slice(start).search(/^#{1,3} /m);
    const section = heading === -1 ? '' : OBSERVABILITY.slice(start, next === -1 ? undefined : start + next);
    const rows = [...section.matchAll(/^\| `([a-z-]+)` \| ([a-z, ]+) \| (.+) \|$/gm)].map((m) => [m[1], m[2], m[3]]);

    // Act: each code with its outcomes, and its meaning from the doc comment above it in the source.
    const meanings = new Map(
      [...REASON_CODES_SOURCE.matchAll(/^ {2}\/\*\* (.+) \*\/\n {2}'?([a-z-]+)'?: '[a-z ]+',$/gm)].map((m) => [
        m[2],
        m[1],
      ]),
    );
    const listed = Object.entries(REASON_CODES).map(([code, outcomes]) => [
      code,
      outcomes.split(' ').join(', '),
      meanings.get(code),
    ]);

    // Assess
    expect(meanings.size).toBe(Object.keys(REASON_CODES).length);
    expect(rows).toEqual(listed);
  });

  it('name only outcomes of the outcome list, and are short kebab-case words', () => {
    for (const [code, outcomes] of Object.entries(REASON_CODES)) {
      expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      for (const outcome of outcomes.split(' ')) expect(OUTCOMES).toContain(outcome);
    }
  });

  it.each([
    [new NoTenantForUserError('nothing matched'), 'no-binding', 'refused'],
    [new NoTenantForUserError('unverified', 'email-unverified'), 'email-unverified', 'refused'],
    [new SeatLimitError('acme', 5, 'free'), 'seats-full', 'refused'],
    [new TenantInactiveError('acme', 'suspended'), 'tenant-inactive', 'refused'],
    [new TenantNotFoundError('acme'), 'tenant-not-found', 'refused'],
    [new MembershipNotFoundError('globex', 'sub'), 'membership-not-found', 'refused'],
    [new LastAdminError('globex', 'sub'), 'last-admin', 'refused'],
    [new TenantNotAssignedError('sub'), 'no-tenant-attribute', 'refused'],
    [new MembershipMismatchError('acme', 'sub'), 'membership-mismatch', 'refused'],
    [new BindingNotFoundError('client x'), 'no-binding', 'refused'],
    [new InvalidInputError('bad', 'event'), 'invalid-input', 'refused'],
    [new RegistryUnavailableError('getTenant'), 'registry-unavailable', 'failed'],
    [new DirectoryUnavailableError('AdminAddUserToGroup'), 'directory-unavailable', 'failed'],
    [new DeadlineExceededError('post confirmation', 10), 'deadline-exceeded', 'failed'],
    [new CredentialsUnavailableError('acme'), 'credentials-unavailable', 'failed'],
    [new PolicyStoreNotFoundError('acme'), 'policy-store-missing', 'failed'],
    [new PolicyEngineError('wasm trap'), 'policy-engine-error', 'failed'],
    [new TenancyError('inconsistent'), 'internal-error', 'failed'],
    [new TypeError('bug'), 'internal-error', 'failed'],
    ['not even an error', 'internal-error', 'failed'],
  ])('map %s to %s, outcome %s', (error, reason, outcome) => {
    // Act
    const code = reasonOf(error);

    // Assess
    expect(code).toBe(reason);
    expect(refusalOutcome(code)).toBe(outcome);
  });

  it('take the tier from a full or inactive tenant, and from nothing else', () => {
    expect(tierOf(new SeatLimitError('acme', 5, 'free'))).toBe('free');
    expect(tierOf(new TenantInactiveError('acme', 'disabled', 'standard'))).toBe('standard');
    expect(tierOf(new TenantNotFoundError('acme'))).toBeUndefined();
  });

  it('recognise their own values and nothing else', () => {
    expect(isReasonCode('seats-full')).toBe(true);
    expect(isReasonCode('toString')).toBe(false);
    expect(isReasonCode(42)).toBe(false);
  });
});
