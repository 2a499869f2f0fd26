import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesArnPattern } from '../../shared/authorizer/arn-pattern';
import {
  buildPolicy,
  policyBytes,
  policyEffect,
  stagePolicy,
  stageResources,
} from '../../shared/authorizer/authorization-policy';
import { parseMethodArn, resolvePathTemplate } from '../../shared/authorizer/method-arn';
import { NON_CANONICAL_RESOURCES } from '../../shared/authorizer/request-path';
import { canonicalDenies } from '../support/canonical-denies';

const PREFIX = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/';

function methodArn(resource: string) {
  const parsed = parseMethodArn(`${PREFIX}${resource}`);
  if (parsed === undefined) throw new Error(`not a method ARN: ${resource}`);
  return parsed;
}

describe('authorization policy', () => {
  it.each([
    ['GET/tenants/acme/me', 'GET/tenants/acme/me', true],
    ['GET/tenants/acme/me', 'GET/tenants/acme/mex', false],
    ['GET/tenants/acme/admin/*', 'GET/tenants/acme/admin/users/42', true],
    ['GET/tenants/acme/admin/*', 'GET/tenants/acme/admin/', true],
    ['GET/tenants/acme/admin/*', 'GET/tenants/acme/admin', false],
    ['GET/tenants/acme/items/*/parts', 'GET/tenants/acme/items/7/parts', true],
    ['GET/tenants/acme/items/*/parts', 'GET/tenants/acme/items/7/parts/1', false],
    ['GET/a?c', 'GET/abc', true],
    ['GET/a?c', 'GET/ac', false],
    ['GET/*/*/x', 'GET/a/b/c/x', true],
    ['GET/Tenants/acme/me', 'GET/tenants/acme/me', false],
    ['GET/tenants/acme/me', 'GET/tenants/acme/*', false],
  ])('matches pattern %s against %s as IAM does: %s', (pattern, value, expected) => {
    // Act
    const matched = matchesArnPattern(pattern, value);

    // Assess
    expect(matched).toBe(expected);
  });

  it('parses only method ARNs whose API and stage are concrete', () => {
    // Act
    const parsed = parseMethodArn(`${PREFIX}GET/tenants/acme/me`);
    const defaultStage = parseMethodArn('arn:aws:execute-api:us-east-1:123456789012:abc123/$default/GET/');
    const rejected = [
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/*/GET/x',
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/get/x',
      'arn:aws:execute-api:eu-west-1:123456789012:abc?23/prod/GET/x',
      `${PREFIX}GET/x\n`,
      42,
      // Stages the prefix-free canonical-path Denies would match: refused, so those Denies stay exact.
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/./GET/x',
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/../GET/x',
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/p%41/GET/x',
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/p;x/GET/x',
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/p\\x/GET/x',
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/p∕x/GET/x',
    ].map(parseMethodArn);

    // Assess
    expect(parsed).toEqual({ value: `${PREFIX}GET/tenants/acme/me`, prefix: PREFIX, resource: 'GET/tenants/acme/me' });
    expect(defaultStage?.resource).toBe('GET/');
    expect(rejected).toEqual(Array.from({ length: 11 }, () => undefined));
  });

  it("parses serverless-offline's placeholder account and API id", () => {
    // Act
    const parsed = parseMethodArn(
      'arn:aws:execute-api:us-east-1:random-account-id:random-api-id/dev/GET/tenants/{tenantId}/me',
    );

    // Assess
    expect(parsed).toMatchObject({
      prefix: 'arn:aws:execute-api:us-east-1:random-account-id:random-api-id/dev/',
      resource: 'GET/tenants/{tenantId}/me',
    });
  });

  it('fills route-template segments from path parameters and leaves unusable values alone', () => {
    // Prepare
    const template = methodArn('GET/tenants/{tenantId}/files/{proxy+}');

    // Act
    const filled = resolvePathTemplate(template, { tenantId: 'acme', proxy: 'a/b.txt' });
    const wildcard = resolvePathTemplate(template, { tenantId: '*', proxy: '' });
    const concrete = resolvePathTemplate(methodArn('GET/tenants/acme/me'), { tenantId: 'globex' });

    // Assess
    expect(filled).toEqual({ ...template, resource: 'GET/tenants/acme/files/a/b.txt' });
    expect(wildcard.resource).toBe('GET/tenants/{tenantId}/files/{proxy+}');
    expect(concrete.resource).toBe('GET/tenants/acme/me');
  });

  it('allows every permitted route under the request stage and nothing else', () => {
    // Prepare
    const arn = methodArn('GET/tenants/acme/me');

    // Act
    const policy = buildPolicy(arn, stageResources(PREFIX, ['GET/tenants/acme/me', 'POST/tenants/acme/admin/*']), true);

    // Assess
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:Invoke',
          Effect: 'Allow',
          Resource: [`${PREFIX}GET/tenants/acme/me`, `${PREFIX}POST/tenants/acme/admin/*`],
        },
        {
          Action: 'execute-api:Invoke',
          Effect: 'Deny',
          Resource: canonicalDenies(PREFIX),
        },
      ],
    });
    expect(policyEffect(policy, `${PREFIX}POST/tenants/acme/admin/x`)).toBe('Allow');
    expect(policyEffect(policy, `${PREFIX}GET/tenants/globex/me`)).toBe('Deny');
    expect(policyEffect(policy, 'arn:aws:execute-api:eu-west-1:123456789012:abc123/test/GET/tenants/acme/me')).toBe(
      'Deny',
    );
  });

  it('denies a refused request explicitly, but never through a wildcard that could cover permitted routes', () => {
    // Prepare
    const plain = methodArn('GET/tenants/globex/me');
    const starred = methodArn('GET/tenants/acme/*');

    // Act
    const plainPolicy = buildPolicy(plain, stageResources(PREFIX, ['GET/tenants/acme/me']), false);
    const starredPolicy = buildPolicy(starred, stageResources(PREFIX, ['GET/tenants/acme/me']), false);

    // Assess
    expect(plainPolicy.Statement[1]?.Resource).toContain(`${PREFIX}GET/tenants/globex/me`);
    expect(starredPolicy.Statement[1]?.Resource).not.toContain(`${PREFIX}GET/tenants/acme/*`);
    expect(starredPolicy.Statement[1]?.Resource.every((pattern) => !pattern.endsWith('/acme/*'))).toBe(true);
    expect(policyEffect(starredPolicy, `${PREFIX}GET/tenants/acme/me`)).toBe('Allow');
  });

  it('denies every non-canonical path that the wildcards of its Allow would otherwise match, even from a cache', () => {
    // Prepare
    const policy = buildPolicy(
      methodArn('GET/tenants/acme/admin/x'),
      stageResources(PREFIX, ['GET/tenants/acme/admin/*', 'GET/tenants/acme/me']),
      true,
    );

    // Act
    const effects = [
      'GET/tenants/acme/admin/../../globex/me',
      'GET/tenants/acme/admin/%2e%2e/%2e%2e/globex/me',
      'GET/tenants/acme/admin/..%2F..%2Fglobex/me',
      'GET/tenants/acme/admin/%2E%2E/x',
      'GET/tenants/acme/admin/./x',
      'GET/tenants/acme/admin//x',
      'GET/tenants/acme/admin/x/',
      'GET/tenants/acme/admin/..',
      'GET/tenants/acme/admin/%252e%252e/x',
      'GET/tenants/acme/admin/..\\globex',
    ].map((resource) => policyEffect(policy, `${PREFIX}${resource}`));

    // Assess
    expect(effects.every((effect) => effect === 'Deny')).toBe(true);
    expect(policyEffect(policy, `${PREFIX}GET/tenants/acme/admin/report.v2.csv`)).toBe('Allow');
    expect(policyEffect(policy, `${PREFIX}GET/tenants/acme/me`)).toBe('Allow');
  });

  it('lets an explicit Deny win over an Allow', () => {
    // Prepare
    const policy = buildPolicy(methodArn('GET/tenants/acme/me'), stageResources(PREFIX, ['GET/tenants/acme/*']), false);

    // Act
    const effects = [
      policyEffect(policy, `${PREFIX}GET/tenants/acme/me`),
      policyEffect(policy, `${PREFIX}GET/tenants/acme/x`),
    ];

    // Assess
    expect(effects).toEqual(['Deny', 'Allow']);
  });

  it('denies with its prefix-free canonical-path patterns exactly what the same patterns under the stage prefix deny, over generated ARNs of the stage', () => {
    // Prepare: the policy as returned, and the same policy with every canonical-path Deny under the stage prefix.
    const allow = stageResources(PREFIX, ['GET/tenants/acme/*', 'GET/']);
    const compact = stagePolicy(PREFIX, allow);
    const prefixed = {
      ...compact,
      Statement: [
        { Action: 'execute-api:Invoke' as const, Effect: 'Allow' as const, Resource: allow },
        {
          Action: 'execute-api:Invoke' as const,
          Effect: 'Deny' as const,
          Resource: NON_CANONICAL_RESOURCES.map((pattern) => `${PREFIX}${pattern}`),
        },
      ],
    };
    const unit = fc.constantFrom('/', '.', '%', ';', '\\', 'a', 'tenants', 'acme', '∕', '．', '');
    const resources = fc.sample(
      fc.array(unit, { maxLength: 8 }).map((parts) => `GET/${parts.join('')}`),
      { numRuns: 20_000, seed: 22 },
    );

    // Act
    const differing = resources.filter(
      (resource) => policyEffect(compact, `${PREFIX}${resource}`) !== policyEffect(prefixed, `${PREFIX}${resource}`),
    );

    // Assess
    expect(differing).toEqual([]);
    expect(policyEffect(compact, `${PREFIX}GET/`)).toBe('Allow');
    expect(policyBytes(compact)).toBeLessThan(policyBytes(prefixed) - 3000);
  });
});
