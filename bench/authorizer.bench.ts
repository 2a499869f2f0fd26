/**
 * Per-request cost of the authorizer against aws-jwt-verify's `verify` alone on the same token (target ≤ 1.3×,
 * measured with the token memo off so every request pays the signature check), with the registry tenant check
 * on (tenant record cached, as in a warm container) and off, and the cost of a repeated token with the memo
 * against a fresh verification (target ≥ 10× cheaper). Real RS256 tokens; the JWKS is served once from
 * 127.0.0.1 and cached. The registry's GetItem is answered in memory (aws-sdk-client-mock): the warm path
 * reads it once per cache TTL, so what is timed is the cached check.
 *
 * The membership read (docs/memberships.md): the same `Authorizer` core with the tenant check alone and with
 * the tenant and membership checks (both cached per container, one GetItem per caller per TTL), memo off and on.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { fstatSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { mockClient } from 'aws-sdk-client-mock';
import { Authorizer } from '../shared/authorizer/authorize';
import { authorizerConfigFromEnv } from '../shared/authorizer/authorizer-config';
import { createAuthorizerHandler } from '../shared/authorizer/authorizer-handler';
import { TenantStanding } from '../shared/authorizer/tenant-standing';
import { createCognitoJwtVerifier, TokenVerifier } from '../shared/authorizer/token-verifier';
import { TenantRegistry } from '../shared/registry/tenant-registry';
import { DEFAULT_TIERS } from '../shared/registry/tiers';
import { DecisionMetrics } from '../shared/runtime/decision-metrics';
import { logger } from '../shared/runtime/logger';
import { compare, report, stdoutDrained } from './measure';
import { target } from './options';
import { ACME_TENANT_ITEM } from './registry-items';

const POOL_ID = 'us-east-1_BenchPool1';
const CLIENT_ID = 'benchclient1234567890abcd';
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/tenants/acme/me';
const SUB = 'b1f0a7c2-0000-4000-8000-000000000001';
const MEMBERSHIP_ITEM = {
  pk: { S: 'TENANT#acme' },
  sk: { S: `USER#${SUB}` },
  tenantId: { S: 'acme' },
  sub: { S: SUB },
  role: { S: 'tenant-member' },
  status: { S: 'active' },
  source: { S: 'domain' },
  joinedAt: { S: '2025-01-01T00:00:00.000Z' },
};

type Handler = (event: unknown) => Promise<unknown>;

export default async function run(): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwks = {
    keys: [
      { ...(publicKey.export({ format: 'jwk' }) as Record<string, string>), kid: 'bench', alg: 'RS256', use: 'sig' },
    ],
  };
  // `Connection: close`: every key fetch gets a new connection, so none meets a kept-alive socket the server has
  // just closed (ECONNRESET, then `jwks-unavailable` for the wait period) on a busy machine.
  const server = createServer((_request, response) => {
    response.setHeader('connection', 'close');
    response.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  // The registry answers tenant reads with an active tenant and membership reads with an active membership;
  // the checks cache both per container.
  let readCount = 0;
  const reads = () => readCount;
  const registry = mockClient(DynamoDBClient);
  registry.on(GetItemCommand).callsFake((input: { Key?: { sk?: { S?: string } } }) => {
    readCount++;
    return { Item: input.Key?.sk?.S === 'TENANT' ? ACME_TENANT_ITEM : MEMBERSHIP_ITEM };
  });

  try {
    const token = mint(privateKey);
    const event = { type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN };
    const env = {
      TENANCY_USER_POOL_IDS: POOL_ID,
      TENANCY_CLIENT_IDS: CLIENT_ID,
      TENANCY_JWKS_URI: `http://127.0.0.1:${port}/{userPoolId}/.well-known/jwks.json`,
      TENANCY_TABLE_NAME: 'cognito-tenancy-bench-registry',
      AWS_REGION: 'us-east-1',
    };
    const withoutMemo = await loadHandler({ ...env, TENANCY_TOKEN_MEMO_SIZE: '0' }, 'no-memo');
    const withMemo = await loadHandler({ ...env, TENANCY_TOKEN_MEMO_SIZE: '1000' }, 'memo');

    // The same handlers with their decision lines discarded: the difference is what writing the line costs.
    const withoutMemoDiscarding = discardingHandler({ ...env, TENANCY_TOKEN_MEMO_SIZE: '0' });
    const withMemoDiscarding = discardingHandler({ ...env, TENANCY_TOKEN_MEMO_SIZE: '1000' });

    const verifier = CognitoJwtVerifier.create({ userPoolId: POOL_ID, tokenUse: 'access', clientId: CLIENT_ID });
    verifier.cacheJwks(jwks as unknown as Jwks);
    // Every candidate must succeed, or the figures would time an error path.
    await verifier.verify(token);
    for (const handler of [withoutMemo, withMemo, withoutMemoDiscarding, withMemoDiscarding]) {
      const response = (await handler(event)) as { policyDocument?: { Statement?: { Effect?: string }[] } };
      if (response.policyDocument?.Statement?.[0]?.Effect !== 'Allow') throw new Error('bench token was not allowed');
    }

    const verifyAlone = 'aws-jwt-verify verify() alone';
    // The handler as deployed: tenant and membership checks (cached), metrics on, one decision line per request
    // to stdout. Memo off: every request pays the signature check, as a fresh token does.
    console.log(`\ndecision lines go to stdout, which is ${stdoutKind()} (the target is stated for a pipe)`);
    const authorizerFresh = 'handler, fresh token (memo off)';
    const freshDiscarding = 'handler, fresh token, lines discarded';
    // Targets are judged on this process's CPU time with standard output drained at the end of each batch, so
    // every candidate pays for all of its own writes, and the pipe's reader (another process on the same two
    // shared cores) is not counted; the wall-clock figures are printed too.
    const cpu = { clock: 'cpu', settle: stdoutDrained } as const;
    // The floor a line per decision cannot go under: verify plus one bare write of a line as long as the
    // authorizer's decision line (this machine's write system call is several µs; docs/benchmarks.md).
    const verifyAndWrite = 'verify() + one bare stdout write';
    const bareLine = `{"_aws":{"bench":"${'x'.repeat(Math.max(decisionLineLength - 22, 0))}"}}\n`;
    const freshCandidates = {
      [verifyAlone]: () => verifier.verify(token),
      [verifyAndWrite]: async () => {
        await verifier.verify(token);
        process.stdout.write(bareLine);
      },
      [authorizerFresh]: () => withoutMemo(event),
      [freshDiscarding]: () => withoutMemoDiscarding(event),
    };
    const fresh = await compare(freshCandidates, { batch: 500, rounds: 21, warmup: 3, ...cpu });
    console.log(report('valid token: authorizer vs verify alone, CPU time (target ≤ 1.30×)', fresh, verifyAlone));
    const freshWall = await compare(freshCandidates, { batch: 500, rounds: 11, warmup: 2 });
    console.log(report('the same, wall time', freshWall, verifyAlone));

    const authorizerMemo = 'handler, repeated token (memo)';
    const memoDiscarding = 'handler, repeated token, lines discarded';
    const repeatedCandidates = {
      [authorizerFresh]: () => withoutMemo(event),
      [authorizerMemo]: () => withMemo(event),
      [memoDiscarding]: () => withMemoDiscarding(event),
    };
    const repeated = await compare(repeatedCandidates, { batch: 500, rounds: 21, warmup: 3, ...cpu });
    console.log(report('repeated token: memo vs fresh verification, CPU time', repeated, authorizerFresh));
    const repeatedWall = await compare(repeatedCandidates, { batch: 500, rounds: 11, warmup: 2 });
    console.log(report('the same, wall time', repeatedWall, authorizerFresh));

    const ratio = (results: typeof fresh, a: string, b: string) =>
      (results.find((r) => r.name === a)?.nsPerOp ?? Number.NaN) /
      (results.find((r) => r.name === b)?.nsPerOp ?? Number.NaN);
    const overhead = ratio(fresh, authorizerFresh, verifyAlone);
    const speedup = ratio(repeated, authorizerFresh, authorizerMemo);
    console.log(
      `\nwall time: ${ratio(freshWall, authorizerFresh, verifyAlone).toFixed(2)}× verify, fresh / memoized ` +
        `${ratio(repeatedWall, authorizerFresh, authorizerMemo).toFixed(2)}×`,
    );
    console.log(target('authorizer (tenant check, metrics on) / verify alone, CPU', overhead, '≤', 1.3));
    console.log(
      target(
        'authorizer / (verify + one bare write of its line), CPU',
        ratio(fresh, authorizerFresh, verifyAndWrite),
        '≤',
        1.3,
      ),
    );
    console.log(
      `registry reads: ${reads()} (three per handler instance: tenant, membership and pool binding stay cached)`,
    );
    console.log(target('fresh / memoized, CPU', speedup, '≥', 10));
    const ns = (results: typeof fresh, name: string) => results.find((r) => r.name === name)?.nsPerOp ?? Number.NaN;
    console.log(
      `decision line write (handler − lines discarded): ${((ns(fresh, authorizerFresh) - ns(fresh, freshDiscarding)) / 1000).toFixed(1)} µs fresh, ` +
        `${((ns(repeated, authorizerMemo) - ns(repeated, memoDiscarding)) / 1000).toFixed(1)} µs memoized; without it: ` +
        `${ratio(fresh, freshDiscarding, verifyAlone).toFixed(2)}× verify, fresh / memoized ${ratio(repeated, authorizerFresh, memoDiscarding).toFixed(2)}×`,
    );
    await membershipCost(env, token);

    // Rule count: the same repeated token and request against 4, 100 and 1,000 route rules (compiled once, the
    // entitlement cached): what a request costs must not grow with the rules.
    const ruleSets = { 4: 4, 100: 100, 1000: 1000 } as const;
    const byRules: Record<string, Handler> = {};
    for (const count of Object.values(ruleSets)) {
      const handler = await loadHandler(
        { ...env, TENANCY_TOKEN_MEMO_SIZE: '1000', TENANCY_ROUTES: JSON.stringify(routesOf(count)) },
        `rules-${count}`,
      );
      await firstAllow(handler, event);
      byRules[`${count} rules`] = handler;
    }
    const scaling = await compare(
      Object.fromEntries(Object.entries(byRules).map(([name, handler]) => [name, () => handler(event)])),
      { batch: 500, rounds: 21, warmup: 3, ...cpu },
    );
    console.log(report('repeated token, memo on: cost by number of route rules', scaling, '4 rules'));
    console.log(`\n${target('100 rules / 4 rules', ratio(scaling, '100 rules', '4 rules'), '≤', 1.1)}`);
    console.log(target('1,000 rules / 4 rules', ratio(scaling, '1000 rules', '4 rules'), '≤', 1.1));
  } finally {
    registry.restore();
    server.close();
  }
}

/**
 * The `Authorizer` core with the tenant check alone against the tenant and membership checks, memo off (every
 * request verifies the signature) and on (a repeated token): the per-request price of the membership read
 * once cached (a GetItem per caller per TTL, not timed here: the warm path reads nothing).
 */
async function membershipCost(env: Record<string, string>, token: string): Promise<void> {
  const config = authorizerConfigFromEnv(env);
  const reads = new TenantRegistry({
    client: new DynamoDBClient({ region: 'us-east-1' }),
    tableName: env.TENANCY_TABLE_NAME ?? '',
    tiers: DEFAULT_TIERS,
  });
  const build = (memoSize: number, memberships: boolean) =>
    new Authorizer({
      verifier: new TokenVerifier(createCognitoJwtVerifier(config), config.claimNames, memoSize, config.roleGroups),
      routes: config.routes,
      tiers: config.tiers,
      standing: new TenantStanding({
        reads,
        cacheTtlMs: 3_600_000,
        staleTtlMs: 0,
        ...(memberships ? { memberships: { reads, roleGroups: config.roleGroups } } : {}),
      }),
    });
  const request = { authorization: `Bearer ${token}`, methodArn: METHOD_ARN };
  const candidates = {
    'core, memo off, tenant check only': build(0, false),
    'core, memo off, tenant + membership check': build(0, true),
    'core, memo on, tenant check only': build(1000, false),
    'core, memo on, tenant + membership check': build(1000, true),
  };
  for (const [name, authorizer] of Object.entries(candidates)) {
    const decision = await authorizer.authorize(request);
    if (decision.effect !== 'Allow') throw new Error(`${name}: bench token was not allowed (${decision.reason})`);
  }
  const result = await compare(
    Object.fromEntries(
      Object.entries(candidates).map(([name, authorizer]) => [name, () => authorizer.authorize(request)]),
    ),
    { batch: 500, rounds: 21, warmup: 3 },
  );
  console.log(
    report(
      'membership read (cached): authorizer core with and without it',
      result,
      'core, memo off, tenant check only',
    ),
  );
  const ns = (name: string) => result.find((entry) => entry.name === name)?.nsPerOp ?? Number.NaN;
  const fresh = ns('core, memo off, tenant + membership check') / ns('core, memo off, tenant check only');
  const memo = ns('core, memo on, tenant + membership check') / ns('core, memo on, tenant check only');
  console.log(`with / without the membership read: ${fresh.toFixed(2)}× (memo off), ${memo.toFixed(2)}× (memo on)`);
}

/**
 * The handler of `functions/authorizer.ts`, built the same way from `env`, but with its decision lines discarded
 * instead of written to stdout: the bench's measure of what the rest of the handler costs.
 */
/** The length of the last decision line a discarding handler built: what the floor's bare write writes. */
let decisionLineLength = 0;

function discardingHandler(env: Record<string, string>): Handler {
  const config = authorizerConfigFromEnv(env);
  return createAuthorizerHandler({
    config,
    jwtVerifier: createCognitoJwtVerifier(config),
    tenants: new TenantRegistry({
      client: new DynamoDBClient({ region: 'us-east-1' }),
      tableName: env.TENANCY_TABLE_NAME ?? '',
      tiers: config.tiers,
    }),
    logger,
    metrics: new DecisionMetrics({
      service: 'authorizer',
      tiers: config.tiers.names,
      write: (line) => {
        decisionLineLength = line.length;
      },
    }),
  });
}

/** What standard output is: the decision lines' cost depends on it (a pipe's writes are synchronous). */
function stdoutKind(): string {
  const stats = fstatSync(1);
  if (stats.isFIFO()) return 'a pipe';
  return stats.isFile() ? 'a file' : 'a terminal or socket';
}

/** Imports a separate instance of the handler module under `env` (its cold start reads the environment). */
async function loadHandler(env: Record<string, string>, instance: string): Promise<Handler> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'functions', 'authorizer.ts');
    const module = (await import(`${pathToFileURL(path).href}?instance=${instance}`)) as { handler: Handler };
    return module.handler;
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/**
 * The first request of a new handler instance, retried a few times: its key fetch from the 127.0.0.1 JWKS server
 * can meet a kept-alive connection the server has just closed (ECONNRESET) on a busy machine.
 */
async function firstAllow(handler: Handler, event: unknown): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = (await handler(event)) as { policyDocument?: { Statement?: { Effect?: string }[] } };
      if (response.policyDocument?.Statement?.[0]?.Effect === 'Allow') return;
      throw new Error('bench token was not allowed');
    } catch (error) {
      if (attempt === 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/** `count` route rules: four of the bundled kind first (the bench request matches the first), then more tenant routes. */
function routesOf(count: number): { routes: { route: string; groups?: string[] }[] } {
  const base = [
    { route: 'GET /tenants/{tenantId}/me' },
    { route: '* /tenants/{tenantId}/admin/*', groups: ['tenant-admin'] },
    { route: 'GET /tenants/{tenantId}/documents/{documentId}' },
    { route: 'GET /health' },
  ];
  const more = Array.from({ length: count - base.length }, (_, index) => ({
    route: `${index % 3 === 0 ? '*' : 'GET'} /tenants/{tenantId}/r${index}/{id}`,
  }));
  return { routes: [...base, ...more] };
}

function mint(privateKey: Parameters<typeof sign>[2]): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ kid: 'bench', alg: 'RS256' });
  const payload = encode({
    sub: SUB,
    iss: `https://cognito-idp.us-east-1.amazonaws.com/${POOL_ID}`,
    client_id: CLIENT_ID,
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: now,
    iat: now,
    exp: now + 24 * 3600,
    jti: 'bench-jti',
    username: 'alice',
    tenantId: 'acme',
    tier: 'standard',
    'tenancy:v': 1,
    'cognito:groups': ['tenant-member'],
  });
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url');
  return `${header}.${payload}.${signature}`;
}
