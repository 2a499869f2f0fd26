import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  AccessTokenClaimsV1,
  AuthorizerContextV1,
  IdTokenClaimsV1,
  M2MAccessTokenClaimsV1,
} from '../../packages/tenant-context/schemas/types.generated';
import {
  type AuthorizerContext,
  authorizerContext,
  type CallerIdentity,
} from '../../shared/authorizer/caller-identity';
import { DEFAULT_VERSION_CLAIM } from '../../shared/tokens/claim-names';
import { schemaValidator } from '../support/claims-schemas';

// Type-level checks run in `npm run typecheck` (this file is in tsconfig's include); the runtime checks below
// tie the same types to the schema validators.
describe('the suite code and the generated schema types agree', () => {
  it('types the authorizer context the suite returns as the published context version 1, key for key', () => {
    expectTypeOf<AuthorizerContext>().toExtend<AuthorizerContextV1>();
    // A string index signature satisfies no required property: each key of the schema is declared by the suite.
    expectTypeOf<Pick<AuthorizerContextV1, 'tenantId' | 'tier' | 'groups' | 'sub' | 'claimsVersion'>>().toEqualTypeOf<{
      tenantId: string;
      tier: string;
      groups: string;
      sub: string;
      claimsVersion: string;
    }>();
  });

  it('names the default version claim as every token schema does, with the value forms each allows', () => {
    expectTypeOf<IdTokenClaimsV1[typeof DEFAULT_VERSION_CLAIM]>().toEqualTypeOf<1 | '1'>();
    expectTypeOf<AccessTokenClaimsV1[typeof DEFAULT_VERSION_CLAIM]>().toEqualTypeOf<1>();
    expectTypeOf<M2MAccessTokenClaimsV1[typeof DEFAULT_VERSION_CLAIM]>().toEqualTypeOf<1>();
    expectTypeOf<AccessTokenClaimsV1['tenantId']>().toEqualTypeOf<string>();
    expect(DEFAULT_VERSION_CLAIM).toBe('tenancy:v');
  });

  it('returns a context that validates against authorizer-context.v1 for any caller the verifier admits', () => {
    // Prepare
    const validate = schemaValidator('authorizer-context', 1);
    const caller = fc.record({
      sub: fc.string({ minLength: 1, maxLength: 256 }),
      tenantId: fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/),
      tier: fc.stringMatching(/^[a-z][a-z0-9-]{0,31}$/),
      groups: fc.uniqueArray(fc.constantFrom('tenant-admin', 'tenant-member', 'billing'), { maxLength: 3 }),
      poolId: fc.constant('us-east-1_TenancyPool1'),
      expiresAt: fc.integer({ min: 0 }),
      claimsVersion: fc.integer({ min: 1, max: 999 }),
    });

    // Act + Assess
    fc.assert(
      fc.property(caller, (identity: CallerIdentity) => {
        const context = authorizerContext(identity);
        expect(validate(context)).toBe(true);
      }),
    );
  });
});
