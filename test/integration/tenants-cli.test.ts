import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeBinding } from '../../shared/registry/binding';
import type { TenantAdmin } from '../../shared/registry/tenant-admin';
import { type Cli, cliRunner } from '../support/cli';
import { createTestRegistry } from '../support/registry';

const SEED = join(import.meta.dirname, '..', '..', 'events', 'tenants.json');

describe('tenants CLI against DynamoDB Local', () => {
  let registry: TenantAdmin;
  let cli: Cli;

  beforeEach(async () => {
    const test = await createTestRegistry();
    registry = test.registry;
    cli = cliRunner({ AWS_ENDPOINT_URL_DYNAMODB: test.endpoint }, ['--table', test.tableName]);
  });

  it('creates a tenant, binds a domain, suspends it and lists it', async () => {
    // Act
    const created = await cli('create', '--name', 'Acme Corp', '--tier', 'standard', '--id', 'acme');
    const bound = await cli('bind-domain', 'acme', 'ACME.example');
    const suspended = await cli('suspend', 'acme');
    const listed = await cli('list');

    // Assess
    expect([created.code, bound.code, suspended.code, listed.code]).toEqual([0, 0, 0, 0]);
    expect(created.out).toEqual(['created acme (Acme Corp, standard)']);
    expect(bound.out).toEqual(['bound domain acme.example to acme']);
    expect(listed.out[0]?.split('\n')).toEqual([
      'TENANT  TIER      STATUS     SEATS  NAME',
      'acme    standard  suspended  0      Acme Corp',
    ]);
    expect(await registry.resolveBinding(makeBinding('domain', 'acme.example'))).toBe('acme');
  });

  it('generates a tenant id when none is given', async () => {
    // Act
    const created = await cli('create', '--name', 'Hooli', '--tier', 'free', '--json');

    // Assess
    expect(created.code).toBe(0);
    const tenant = JSON.parse(created.out.join('\n')) as { tenantId: string };
    expect(tenant.tenantId).toMatch(/^t-[a-z2-7]{20}$/);
    expect(await registry.getTenant(tenant.tenantId)).toMatchObject({ name: 'Hooli', tier: 'free' });
  });

  it('imports the example seed file and is safe to run again', async () => {
    // Act
    const first = await cli('import', SEED);
    const second = await cli('import', SEED);

    // Assess
    expect(first.out).toEqual(['imported 5 tenant(s): 5 created, 0 updated, 6 binding(s), 8 new member(s)']);
    expect(second.out).toEqual(['imported 5 tenant(s): 0 created, 5 updated, 6 binding(s), 0 new member(s)']);
    expect((await registry.listTenants()).map((t) => [t.tenantId, t.status, t.seats])).toEqual([
      ['acme', 'active', 4],
      ['globex', 'active', 2],
      ['hooli', 'active', 0],
      ['initech', 'suspended', 1],
      ['vandelay', 'disabled', 1],
    ]);
    expect(await registry.getUserTenantId('f0f1f2f3-a4a5-4b6c-8d7e-9f0a1b2c3d4e')).toBe('initech');
    expect(await registry.resolveBinding(makeBinding('idp', 'us-east-1_Tenancy1', 'AcmeSAML'))).toBe('acme');
  });

  it('shows a tenant with its bindings and seat use', async () => {
    // Prepare
    await cli('import', SEED);

    // Act
    const shown = await cli('show', 'globex');

    // Assess
    expect(shown.code).toBe(0);
    const lines = shown.out.join('\n').split('\n');
    expect(lines).toContain('seats     2 of 10000');
    expect(lines).toContain('bindings  client globexbridgeclient0000000, domain globex.example');
  });

  it('lists the members of a tenant', async () => {
    // Prepare
    await cli('create', '--name', 'Acme', '--tier', 'free', '--id', 'acme');
    await registry.addMember({ tenantId: 'acme', sub: 'sub-1', role: 'tenant-admin', source: 'self-service' });

    // Act
    const members = await cli('members', 'acme');

    // Assess
    expect(members.code).toBe(0);
    expect(members.out[0]?.split('\n')[1]).toMatch(/^sub-1\s+tenant-admin\s+self-service\s+\d{4}-/);
  });

  describe('refuses bad input with one line, a non-zero exit and no change', () => {
    beforeEach(async () => {
      await cli('create', '--name', 'Acme', '--tier', 'free', '--id', 'acme');
      await cli('create', '--name', 'Globex', '--tier', 'free', '--id', 'globex');
      await cli('bind-domain', 'globex', 'globex.example');
    });

    it.each([
      [
        'an unknown tier',
        ['set-tier', 'acme', 'platinum'],
        2,
        'error: unknown tier "platinum" (known tiers: free, standard, enterprise)',
      ],
      [
        'an unknown tier at creation',
        ['create', '--name', 'X', '--tier', 'gold', '--id', 'xco'],
        2,
        'error: unknown tier "gold" (known tiers: free, standard, enterprise)',
      ],
      ['a malformed domain', ['bind-domain', 'acme', 'not a domain'], 2, 'error: invalid e-mail domain "not a domain"'],
      [
        'a binding held by another tenant',
        ['bind-domain', 'acme', 'globex.example'],
        1,
        'error: domain globex.example is already bound to tenant globex',
      ],
      ['an unknown tenant', ['suspend', 'nobody'], 1, 'error: tenant nobody does not exist'],
      [
        'an unknown tenant to bind',
        ['bind-domain', 'nobody', 'nobody.example'],
        1,
        'error: tenant nobody does not exist',
      ],
      [
        'an invalid tenant id',
        ['show', 'Not_Valid'],
        2,
        'error: invalid tenant id "Not_Valid": use 3-63 lowercase letters, digits or inner hyphens',
      ],
      [
        'a malformed pool id',
        ['bind-pool', 'acme', 'pool-1'],
        2,
        'error: invalid user pool id "pool-1" (expected e.g. us-east-1_AbC123)',
      ],
      ['a missing argument', ['bind-domain', 'acme'], 2, 'error: usage: bind-domain <tenantId> <emailDomain>'],
      ['an unknown command', ['explode', 'acme'], 2, 'error: unknown command "explode" (run with --help for the list)'],
      ['an unknown option', ['list', '--force'], 2, 'error: unknown option --force (run with --help for the list)'],
    ])('%s', async (_case, argv, expectedCode, expectedLine) => {
      // Prepare
      const before = await registry.listTenants();
      const acmeBindings = await registry.listBindings('acme');

      // Act
      const result = await cli(...argv);

      // Assess
      expect(result.code).toBe(expectedCode);
      expect(result.err).toEqual([expectedLine]);
      expect(result.out).toEqual([]);
      expect(await registry.listTenants()).toEqual(before);
      expect(await registry.listBindings('acme')).toEqual(acmeBindings);
    });

    it('a seed file with one bad tenant imports nothing', async () => {
      // Prepare
      const before = await registry.listTenants();
      const seed = JSON.stringify({
        tenants: [
          { tenantId: 'fresh', name: 'Fresh', tier: 'free', bindings: [{ kind: 'domain', domain: 'fresh.example' }] },
          {
            tenantId: 'stealer',
            name: 'Stealer',
            tier: 'free',
            bindings: [{ kind: 'domain', domain: 'globex.example' }],
          },
        ],
      });
      const { writeFileSync, mkdtempSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const file = join(mkdtempSync(join(tmpdir(), 'seed-')), 'seed.json');
      writeFileSync(file, seed);

      // Act
      const result = await cli('import', file);

      // Assess
      expect(result.code).toBe(1);
      expect(result.err).toEqual(['error: domain globex.example is already bound to tenant globex']);
      expect(await registry.listTenants()).toEqual(before);
      expect(await registry.resolveBinding(makeBinding('domain', 'fresh.example'))).toBeUndefined();
    });
  });

  it('never reactivates a suspended tenant to give it the members a seed lists', async () => {
    // Prepare
    await cli('create', '--name', 'Acme', '--tier', 'free', '--id', 'acme');
    await cli('suspend', 'acme');
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'seed-')), 'seed.json');
    writeFileSync(
      file,
      JSON.stringify({
        tenants: [{ tenantId: 'acme', name: 'Acme', tier: 'free', status: 'active', members: [{ sub: 'user-1' }] }],
      }),
    );

    // Act
    const result = await cli('import', file);

    // Assess
    expect(result.code).toBe(1);
    expect(result.err).toEqual(['error: tenant acme is suspended']);
    expect(await registry.requireTenant('acme')).toMatchObject({ status: 'suspended', seats: 0 });
    expect(await registry.getUserTenantId('user-1')).toBeUndefined();
  });

  it('runs as `npm run tenants` with its exit code and error line', async () => {
    // Prepare
    const run = promisify(execFile);

    // Act
    const failure = await run('npx', ['tsx', 'cli/tenants.ts', 'set-tier', 'Bad_Id', 'free'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' },
    }).catch((error: { code: number; stderr: string }) => error);

    // Assess
    expect(failure).toMatchObject({
      code: 2,
      stderr: 'error: invalid tenant id "Bad_Id": use 3-63 lowercase letters, digits or inner hyphens\n',
    });
  });
});
