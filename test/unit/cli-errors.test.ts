import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { errorLine, isAwsConfigurationError } from '../../cli/error-line';
import { DirectoryUnavailableError } from '../../shared/runtime/errors';
import { cliRunner } from '../support/cli';

describe('tenants CLI without AWS configuration', () => {
  const home = mkdtempSync(join(tmpdir(), 'no-aws-home-'));

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('takes the region from the pool id and names the missing credentials, with nothing sent anywhere', async () => {
    // Prepare: no credentials anywhere the SDK looks, and no instance metadata (no network is used).
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_REGION',
    ]) {
      vi.stubEnv(name, undefined);
    }
    vi.stubEnv('HOME', home);
    vi.stubEnv('AWS_CONFIG_FILE', join(home, 'config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(home, 'credentials'));
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER', undefined);
    const cli = cliRunner({});

    // Act
    const result = await cli('doctor', '--pool', 'eu-west-1_AbC123');

    // Assess
    // doctor could not check the pool: exit 3 (README "Deploy"), not 1 (unsafe).
    expect(result.code).toBe(3);
    expect(result.err).toEqual([
      'error: could not check user pool eu-west-1_AbC123: no AWS credentials for user pool eu-west-1_AbC123: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (a local stack: AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER)',
    ]);
  });

  it('refuses a pre token version the deploy cannot set, before any I/O (exit 2)', async () => {
    // Act
    const result = await cliRunner({})('doctor', '--pool', 'us-east-1_AbC123', '--pre-token-version', 'V1_0');

    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toEqual(['error: --pre-token-version must be V2_0 or V3_0, got "V1_0"']);
  });

  it('says why a pool was unavailable instead of only that it was', () => {
    // Prepare
    const error = new DirectoryUnavailableError('describeUserPool', {
      cause: Object.assign(new Error('User pool us-east-1_AbC123 does not exist.'), {
        name: 'ResourceNotFoundException',
      }),
    });

    // Act
    const line = errorLine(error, [undefined, 'user pool us-east-1_AbC123 in us-east-1']);

    // Assess
    expect(line).toBe(
      'user pool unavailable during describeUserPool: ResourceNotFoundException: User pool us-east-1_AbC123 does not exist.',
    );
  });

  it('names a missing region for the registry', () => {
    // Act
    const line = errorLine(new Error('Region is missing'), ['DynamoDB table t in ?', undefined]);

    // Assess
    expect(line).toBe('no AWS region for DynamoDB table t in ?: pass --region or set AWS_REGION');
  });
});

describe('tenants CLI command lines', () => {
  it('finds the command after options that come first with their values (--table t --region r list)', async () => {
    // Prepare
    const opened: unknown[] = [];
    const openRegistry = async (target: unknown) => {
      opened.push(target);
      return { registry: { listTenants: async () => [] }, policyStores: {}, close: async () => {} } as never;
    };
    const cli = cliRunner({}, [], { openRegistry });

    // Act
    const result = await cli('--table', 't', '--region', 'r', 'list', '--json');

    // Assess
    expect(result.err).toEqual([]);
    expect(result.code).toBe(0);
    expect(opened).toEqual([{ kind: 'aws', table: 't', region: 'r' }]);
  });
});

describe('the CLI error line', () => {
  it('prints a thrown value that is not an Error as its text', () => {
    // Act
    const line = errorLine('plain words', ['DynamoDB table t in eu-west-1']);

    // Assess
    expect(line).toBe('plain words');
  });

  it.each([
    ['missing credentials', Object.assign(new Error('nope'), { name: 'CredentialsProviderError' }), true],
    ['missing region', new Error('wrapped', { cause: new Error('Region is missing') }), true],
    ['a service refusal', Object.assign(new Error('denied'), { name: 'AccessDeniedException' }), false],
    ['a thrown string', 'Region is missing', false],
  ])('tells AWS configuration errors from service errors: %s', (_case, error, expected) => {
    // Act
    const configuration = isAwsConfigurationError(error);

    // Assess
    expect(configuration).toBe(expected);
  });
});
