import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  DescribeIdentityProviderCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListIdentityProvidersCommand,
  ListUserPoolClientsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DOCTOR_EXIT } from '../../cli/commands/pool';
import { DirectoryAdmin } from '../../shared/cognito/directory-admin';
import { cliRunner } from '../support/cli';

// Recorded Describe*/List* responses of a pool the suite is correctly attached to (stage prod).
const recorded = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'doctor', `${name}.json`), 'utf8'));
const POOL_ID = 'us-east-1_Prod12345';
const denied = (operation: string) =>
  Object.assign(new Error(`User is not authorized to perform: cognito-idp:${operation}`), {
    name: 'AccessDeniedException',
  });

const cognito = mockClient(CognitoIdentityProviderClient);
const client = new CognitoIdentityProviderClient({ region: 'us-east-1' });
const doctor = cliRunner({ AWS_REGION: 'us-east-1' }, [], {
  openPool: () => ({ directory: new DirectoryAdmin(client), client, close: () => undefined }),
});

describe('tenants doctor exit codes: 0 safe, 1 unsafe, 3 could not check', () => {
  beforeEach(() => {
    cognito.on(DescribeUserPoolCommand).resolves(recorded('describe-user-pool'));
    cognito.on(ListUserPoolClientsCommand).resolves(recorded('list-user-pool-clients'));
    cognito
      .on(DescribeUserPoolClientCommand, { ClientId: '5example0web0client0id0abc' })
      .resolves(recorded('describe-user-pool-client-web'))
      .on(DescribeUserPoolClientCommand, { ClientId: '7example0admin0console0xyz' })
      .resolves(recorded('describe-user-pool-client-admin'));
    cognito.on(ListIdentityProvidersCommand).resolves(recorded('list-identity-providers'));
    cognito.on(DescribeIdentityProviderCommand).resolves(recorded('describe-identity-provider'));
  });

  afterEach(() => cognito.reset());

  it('exits 0 for a pool it checked completely and found safe', async () => {
    // Act
    const result = await doctor('doctor', '--pool', POOL_ID, '--stage', 'prod');

    // Assess
    expect(result.code).toBe(DOCTOR_EXIT.ok);
    expect(result.err).toEqual([]);
  });

  it('exits 1 for an unsafe finding', async () => {
    // Act: the triggers are the prod stage's, not dev's.
    const result = await doctor('doctor', '--pool', POOL_ID, '--stage', 'dev');

    // Assess
    expect(result.code).toBe(DOCTOR_EXIT.unsafe);
    expect(result.out.some((line) => line.startsWith('UNSAFE  trigger'))).toBe(true);
  });

  it('exits 3 when the pool cannot be read at all, naming why, with nothing on stdout', async () => {
    // Prepare
    cognito.on(DescribeUserPoolCommand).rejects(denied('DescribeUserPool'));

    // Act
    const result = await doctor('doctor', '--pool', POOL_ID, '--stage', 'prod');

    // Assess
    expect(result).toEqual({
      code: DOCTOR_EXIT.couldNotCheck,
      out: [],
      err: [
        `error: could not check user pool ${POOL_ID}: User is not authorized to perform: cognito-idp:DescribeUserPool`,
      ],
      targets: [],
    });
  });

  it('exits 3 when part of the pool could not be checked and the rest is safe', async () => {
    // Prepare
    cognito.on(ListIdentityProvidersCommand).rejects(denied('ListIdentityProviders'));

    // Act
    const result = await doctor('doctor', '--pool', POOL_ID, '--stage', 'prod');

    // Assess
    expect(result.code).toBe(DOCTOR_EXIT.couldNotCheck);
    expect(result.out).toContain(
      'warn    identity providers: could not be listed: AccessDeniedException: User is not authorized to perform: cognito-idp:ListIdentityProviders',
    );
    expect(result.err).toEqual([
      'error: could not check the identity providers (see the line above); the rest of the pool is safe',
    ]);
  });

  it('exits 1, not 3, when something it could read is unsafe and another part could not be checked', async () => {
    // Prepare
    cognito.on(ListIdentityProvidersCommand).rejects(denied('ListIdentityProviders'));

    // Act
    const result = await doctor('doctor', '--pool', POOL_ID, '--stage', 'dev');

    // Assess
    expect(result.code).toBe(DOCTOR_EXIT.unsafe);
  });

  it('prints the findings as one JSON array with --json, with the same exit code as the text', async () => {
    // Act
    const json = await doctor('doctor', '--pool', POOL_ID, '--stage', 'dev', '--json');
    const text = await doctor('doctor', '--pool', POOL_ID, '--stage', 'dev');

    // Assess
    expect(json.code).toBe(DOCTOR_EXIT.unsafe);
    expect(json.out).toHaveLength(1);
    const findings = JSON.parse(json.out[0] ?? '') as { severity: string; subject: string; message: string }[];
    // The same findings, in the same order, as the text lines.
    expect(text.out.map((line, i) => line.endsWith(`  ${findings[i]?.subject}: ${findings[i]?.message}`))).toEqual(
      findings.map(() => true),
    );
    expect(findings.some((f) => f.severity === 'unsafe' && f.subject.startsWith('trigger'))).toBe(true);
  });

  it('keeps exit 2 for bad input, before any call', async () => {
    // Act
    const result = await doctor('doctor', '--pool', POOL_ID, '--pre-token-version', 'V9_0');

    // Assess
    expect(result.code).toBe(2);
    expect(cognito.calls()).toEqual([]);
  });
});
