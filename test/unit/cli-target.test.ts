import { describe, expect, it } from 'vitest';
import {
  choosePool,
  chooseRegistry,
  describePool,
  describeRegistry,
  LOCAL_TABLE,
  NO_TARGET,
  openRegistry,
} from '../../cli/target';
import { cliRunner } from '../support/cli';

describe('the CLI target', () => {
  it('uses the local harness when asked, whatever the environment names', () => {
    // Act
    const target = chooseRegistry({ local: true }, { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1' }, '/data');

    // Assess
    expect(target).toEqual({ kind: 'local', dataDir: '/data' });
    expect(describeRegistry(target)).toBe(`local DynamoDB (data in /data), table ${LOCAL_TABLE}`);
  });

  it('uses an endpoint from the environment, with the local table unless one is named', () => {
    // Act
    const unnamed = chooseRegistry({}, { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1' }, '/data');
    const named = chooseRegistry({ table: 'reg' }, { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1' }, '/data');

    // Assess
    expect(unnamed).toEqual({ kind: 'endpoint', endpoint: 'http://127.0.0.1:1', table: LOCAL_TABLE });
    expect(describeRegistry(named)).toBe('DynamoDB at http://127.0.0.1:1, table reg');
  });

  it.each([
    ['flags', { table: 'reg', region: 'eu-west-1' }, {}],
    ['TENANCY_TABLE_NAME and AWS_REGION', {}, { TENANCY_TABLE_NAME: 'reg', AWS_REGION: 'eu-west-1' }],
    ['a flag and AWS_DEFAULT_REGION', { table: 'reg' }, { AWS_REGION: '', AWS_DEFAULT_REGION: 'eu-west-1' }],
  ])('takes a table and a region from %s', (_case, flags, env) => {
    // Act
    const target = chooseRegistry(flags, env, '/data');

    // Assess
    expect(target).toEqual({ kind: 'aws', table: 'reg', region: 'eu-west-1' });
    expect(describeRegistry(target)).toBe('DynamoDB table reg in eu-west-1');
  });

  it.each([
    ['nothing', {}, {}],
    ['a table without a region', { table: 'reg' }, {}],
    ['a region without a table', {}, { AWS_REGION: 'eu-west-1', TENANCY_TABLE_NAME: '' }],
  ])('never guesses a registry from %s', (_case, flags, env) => {
    // Act & Assess
    expect(() => chooseRegistry(flags, env, '/data')).toThrow(NO_TARGET);
  });

  it('reaches a pool at a local endpoint, or in the region its id starts with', () => {
    // Act
    const local = choosePool('us-east-1_AbC123', { AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: 'http://127.0.0.1:2' });
    const aws = choosePool('eu-west-1_AbC123', {});

    // Assess
    expect(describePool(local)).toBe('user pool us-east-1_AbC123 at http://127.0.0.1:2');
    expect(describePool(aws)).toBe('user pool eu-west-1_AbC123 in eu-west-1');
  });

  it('opens a registry in a region without sending anything until a command does', async () => {
    // Act
    const opened = await openRegistry({ kind: 'aws', table: 'reg', region: 'eu-west-1' }, undefined as never);

    // Assess
    expect(opened.registry.tiers).toBeUndefined();
    expect(opened.policyStores).toBeDefined();
    await expect(opened.close()).resolves.toBeUndefined();
  });
});

describe('the CLI command line', () => {
  it('names an option given without its value, and exits 2 before any I/O', async () => {
    // Act
    const result = await cliRunner({})('list', '--table');

    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toEqual([
      'error: bad option --table <value> (run "npm run tenants -- list --help" for its options)',
    ]);
  });

  it('names a seed file it cannot read, and exits 2 before any I/O', async () => {
    // Act
    const result = await cliRunner({})('import', '/nonexistent/seed.json', '--table', 'reg', '--region', 'eu-west-1');

    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toEqual(['error: cannot read /nonexistent/seed.json: ENOENT']);
  });
});
