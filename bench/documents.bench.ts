/**
 * Tenant-scoped credentials of the documents function:
 * - getting a tenant's clients (and cached credentials) against a plain client lookup, 50 tenants warm;
 * - STS calls for 10,000 requests across 50 tenants over one hour of simulated time.
 * The documents function's cold start is a row of `npm run bench -- cold`.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import { AssumedRoleCredentials } from '../shared/credentials/assumed-role-credentials';
import { StaticCredentials } from '../shared/credentials/static-credentials';
import { TenantClients } from '../shared/credentials/tenant-clients';
import { verifiedTenantId } from '../shared/credentials/tenant-context';
import { TRIGGER_CLIENT_LIMITS } from '../shared/runtime/dynamodb-client';
import { compare, report } from './measure';

const TENANTS = Array.from({ length: 50 }, (_, i) => `tenant-${String(i).padStart(2, '0')}`);
const DURATION = 900;
const MARGIN = 300;

/** An STS stand-in that counts calls and issues credentials valid for DURATION from the clock's now. */
function fakeSts(clock: { now: number }) {
  const counter = { calls: 0 };
  const sts = {
    send: async () => {
      counter.calls++;
      return {
        Credentials: {
          AccessKeyId: `AKIA${counter.calls}`,
          SecretAccessKey: 'secret',
          SessionToken: 'token',
          Expiration: new Date(clock.now + DURATION * 1000),
        },
      };
    },
  } as unknown as STSClient;
  return { sts, counter };
}

async function lookups(): Promise<void> {
  const clock = { now: Date.now() };
  const { sts } = fakeSts(clock);
  const credentials = new AssumedRoleCredentials({
    sts,
    roleArn: 'arn:aws:iam::123456789012:role/bench',
    durationSeconds: DURATION,
    marginSeconds: MARGIN,
    cacheSize: 1000,
    caller: 'bench',
    now: () => clock.now,
  });
  const clients = new TenantClients({
    source: new StaticCredentials({ accessKeyId: 'bench', secretAccessKey: 'bench' }),
    cacheSize: 1000,
    limits: TRIGGER_CLIENT_LIMITS,
  });
  const plain = new Map(TENANTS.map((tenant) => [tenant, clients.forTenant(tenant)]));
  const contexts = TENANTS.map((tenantId) => ({ tenantId, sub: 'user', groups: 'tenant-member' }));
  for (const tenant of TENANTS) await credentials.credentialsFor(tenant);
  const resolved = Promise.resolve({ accessKeyId: 'x', secretAccessKey: 'y' });
  let i = 0;
  const next = () => TENANTS[i++ % 50] ?? 'tenant-00';
  const results = await compare(
    {
      'plain client lookup (Map.get)': () => plain.get(next()),
      'TenantClients.forTenant (cached)': () => clients.forTenant(next()),
      'verifiedTenantId + forTenant (cached)': () => clients.forTenant(verifiedTenantId(contexts[i++ % 50])),
      'resolved promise (await baseline)': () => resolved,
      'AssumedRoleCredentials.credentialsFor (cached)': () => credentials.credentialsFor(next()),
    },
    { batch: 20_000 },
  );
  console.log(report("Tenant's clients and credentials, 50 tenants warm", results, 'plain client lookup (Map.get)'));
  const ns = (name: string) => results.find((result) => result.name === name)?.nsPerOp ?? Number.NaN;
  const over = (name: string, base: string) => {
    const extra = ns(name) - ns(base);
    return `${extra.toFixed(0)} ns over ${base} (≤ 1000) ${extra <= 1000 ? 'met' : 'NOT met'}`;
  };
  console.log(`target: forTenant: ${over('TenantClients.forTenant (cached)', 'plain client lookup (Map.get)')}`);
  console.log(
    `target: verifiedTenantId + forTenant: ${over('verifiedTenantId + forTenant (cached)', 'plain client lookup (Map.get)')}`,
  );
  const credentialsExtra =
    ns('AssumedRoleCredentials.credentialsFor (cached)') - ns('resolved promise (await baseline)');
  console.log(`credentialsFor: ${credentialsExtra.toFixed(0)} ns over resolved promise (await baseline)`);
}

async function stsCalls(): Promise<void> {
  const clock = { now: 1_700_000_000_000 };
  const { sts, counter } = fakeSts(clock);
  const credentials = new AssumedRoleCredentials({
    sts,
    roleArn: 'arn:aws:iam::123456789012:role/bench',
    durationSeconds: DURATION,
    marginSeconds: MARGIN,
    cacheSize: 50,
    caller: 'bench',
    now: () => clock.now,
  });
  const start = clock.now;
  for (let request = 0; request < 10_000; request++) {
    clock.now = start + Math.floor((request * 3_600_000) / 10_000);
    await credentials.credentialsFor(TENANTS[(request * 7_919) % 50] ?? 'tenant-00');
  }
  const bound = 50 * Math.ceil(3600 / (DURATION - MARGIN));
  console.log('\n## STS calls: 10,000 requests, 50 tenants, 1 h simulated, duration 900 s, margin 300 s');
  console.log(`AssumeRole calls: ${counter.calls} (bound: 1 per tenant per 600 s = ${bound}; uncached: 10000)`);
  console.log(
    `target: AssumeRole calls within the bound: ${counter.calls} (≤ ${bound}) ${counter.calls <= bound ? 'met' : 'NOT met'}`,
  );
}

/** Runs the two parts. */
export default async function run(): Promise<void> {
  await lookups();
  await stsCalls();
}
