import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CognitoIdentityProviderClient, CreateGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { onProcessExit, spawnGroup, waitForAnswer } from './child-process';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb-local';
import { freePort } from './free-port';
import { LocalStackError } from './local-stack-error';
import { startTimeoutMs } from './start-timeout';

/** The pool id the local stack seeds: AWS-shaped, so production validation of pool ids applies unchanged. */
const LOCAL_USER_POOL_ID = 'us-east-1_Tenancy1';
/** The app client seeded into every local pool (no secret, `USER_PASSWORD_AUTH` allowed). */
const LOCAL_CLIENT_ID = 'tenancylocalclient000000';
/** The role groups created in the local pool unless told otherwise. */
const LOCAL_GROUPS: readonly string[] = ['tenant-admin', 'tenant-member'];

/** Triggers cognito-local can invoke; values are Lambda function names (`<service>-<stage>-<function>`). */
export type TriggerName = 'PreSignUp' | 'PostConfirmation' | 'PreTokenGeneration' | 'PostAuthentication';

export interface CognitoLocalOptions {
  /** Pool id to seed; `us-east-1_Tenancy1` by default. */
  readonly userPoolId?: string;
  /** App clients to seed with fixed ids (the default client is always seeded). */
  readonly clientIds?: readonly string[];
  /** Groups to create after start; `tenant-admin` and `tenant-member` by default. */
  readonly groups?: readonly string[];
  /** Trigger → function name. Needs `lambdaEndpoint`. */
  readonly triggerFunctions?: Partial<Record<TriggerName, string>>;
  /**
   * `LambdaVersion` of the pool's pre token generation trigger (`LambdaConfig.PreTokenGenerationConfig`), as
   * deployed: `V2_0` by default. cognito-local applies V2_0 (access-token claims, scopes, group override) only with
   * the repository's patch (patches/, docs/local-stack.md "The cognito-local patch").
   */
  readonly preTokenGenerationVersion?: 'V1_0' | 'V2_0';
  /** Lambda Invoke API endpoint (serverless-offline's Lambda port, or an in-test server). */
  readonly lambdaEndpoint?: string;
  /** Fixed confirmation code / temporary password (cognito-local's `CODE`); random when absent. */
  readonly code?: string;
  /** Users to seed as they would exist in the pool (confirmed), e.g. the user of a replayed trigger event. */
  readonly users?: readonly SeedUser[];
  /** Milliseconds to wait for the server to answer; the start-up limit (local/start-timeout.ts) by default. */
  readonly timeoutMs?: number;
  /** Aborts the start (Ctrl-C during a start): the process is stopped, its folder removed, StartFailedError thrown. */
  readonly signal?: AbortSignal;
}

/** A user written into the pool's store before cognito-local starts. */
export interface SeedUser {
  readonly username: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** A cognito-local process started by this harness, with its own fresh data directory. */
export interface CognitoLocal {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly userPoolId: string;
  /** The seeded app client without a secret. */
  readonly clientId: string;
  /** Tokens carry `iss` = `<issuer>`, the Cognito form for the seeded pool. */
  readonly issuer: string;
  /** Where cognito-local serves the pool's JWKS (over plain HTTP). */
  readonly jwksUri: string;
  /** The process (and process group) id of cognito-local. */
  readonly pid: number;
  /** Stops the process this harness started (and nothing else) and removes its data directory. */
  stop(): Promise<void>;
}

// Cognito's standard attributes as DescribeUserPool reports them, plus the suite's custom attribute. A seeded
// pool's Options replace cognito-local's defaults entirely, so every attribute the tests write is listed.
function schemaAttributes() {
  const string = (Name: string, Mutable = true, Required = false) => ({
    Name,
    AttributeDataType: 'String',
    DeveloperOnlyAttribute: false,
    Mutable,
    Required,
    StringAttributeConstraints: { MinLength: '0', MaxLength: '2048' },
  });
  const boolean = (Name: string) => ({
    Name,
    AttributeDataType: 'Boolean',
    DeveloperOnlyAttribute: false,
    Mutable: true,
    Required: false,
  });
  return [
    string('sub', false, true),
    string('name'),
    string('given_name'),
    string('family_name'),
    string('preferred_username'),
    string('email'),
    boolean('email_verified'),
    string('phone_number'),
    boolean('phone_number_verified'),
    string('identities'),
    { ...string('custom:tenantId'), StringAttributeConstraints: { MinLength: '1', MaxLength: '64' } },
  ];
}

// The pool's LambdaConfig names the functions cognito-local invokes (it wires them from TriggerFunctions), so the
// pool describes itself as a deployed one does; the patched cognito-local reads the pre token generation version here.
function lambdaConfig(region: string, triggers: Partial<Record<TriggerName, string>>, version: 'V1_0' | 'V2_0') {
  const arn = (name: string) => localFunctionArn(name, region);
  const config: Record<string, unknown> = {};
  for (const [trigger, name] of Object.entries(triggers)) {
    if (name === undefined) continue;
    config[trigger] = arn(name);
    if (trigger === 'PreTokenGeneration') {
      config.PreTokenGenerationConfig = { LambdaArn: arn(name), LambdaVersion: version };
    }
  }
  return config;
}

/** The ARN a local pool's `LambdaConfig` gives a function (account 000000000000, the pool's region). */
export function localFunctionArn(functionName: string, region: string = LOCAL_REGION): string {
  return `arn:aws:lambda:${region}:000000000000:function:${functionName}`;
}

/**
 * Starts the npm package `cognito-local` on 127.0.0.1 and a free port, with a fresh temporary data directory
 * (its JSON store must never be shared between runs), a seeded pool with an AWS-shaped id whose schema lists
 * `custom:tenantId`, fixed-id app clients, the role groups, and the Cognito issuer form
 * (`https://cognito-idp.<region>.amazonaws.com/<poolId>`). It runs in its own process group; resolves once it
 * answers within the start-up limit. A failed or aborted start leaves neither the process nor the folder behind.
 */
export async function startCognitoLocal(options: CognitoLocalOptions = {}): Promise<CognitoLocal> {
  const limitMs = options.timeoutMs ?? startTimeoutMs();
  const port = await freePort();
  const home = mkdtempSync(join(tmpdir(), 'cognito-local-'));
  // Removed on stop, on a failed start, and (synchronously) if this process exits or dies of a signal first.
  const removeHome = () => rmSync(home, { recursive: true, force: true });
  const cancelRemove = onProcessExit(removeHome);
  try {
    return await startIn(home, port, options, limitMs, async () => {
      cancelRemove();
      removeHome();
    });
  } catch (error) {
    cancelRemove();
    removeHome();
    throw error;
  }
}

async function startIn(
  home: string,
  port: number,
  options: CognitoLocalOptions,
  limitMs: number,
  removeHome: () => Promise<void>,
): Promise<CognitoLocal> {
  const userPoolId = options.userPoolId ?? LOCAL_USER_POOL_ID;
  const region = userPoolId.split('_')[0] ?? LOCAL_REGION;
  const issuerDomain = `https://cognito-idp.${region}.amazonaws.com`;
  const endpoint = `http://127.0.0.1:${port}`;
  const dbDir = join(home, '.cognito', 'db');
  mkdirSync(dbDir, { recursive: true });

  writeFileSync(
    join(home, '.cognito', 'config.json'),
    JSON.stringify({
      LambdaClient: {
        credentials: LOCAL_CREDENTIALS,
        region: LOCAL_REGION,
        ...(options.lambdaEndpoint === undefined ? {} : { endpoint: options.lambdaEndpoint }),
      },
      TokenConfig: { IssuerDomain: issuerDomain },
      TriggerFunctions: options.triggerFunctions ?? {},
      UserPoolDefaults: { UsernameAttributes: ['email'] },
      ServerConfig: { hostname: '127.0.0.1', port },
    }),
  );
  writeFileSync(
    join(dbDir, `${userPoolId}.json`),
    JSON.stringify({
      Users: Object.fromEntries(
        (options.users ?? []).map((user) => [
          user.username,
          {
            Username: user.username,
            Attributes: Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value })),
            Enabled: true,
            UserStatus: 'CONFIRMED',
            UserCreateDate: new Date().toISOString(),
            UserLastModifiedDate: new Date().toISOString(),
            Password: randomUUID(),
            RefreshTokens: [],
          },
        ]),
      ),
      Groups: {},
      Options: {
        Id: userPoolId,
        Name: 'cognito-tenancy-local',
        Arn: `arn:aws:cognito-idp:${region}:000000000000:userpool/${userPoolId}`,
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
        MfaConfiguration: 'OFF',
        Policies: {
          PasswordPolicy: {
            MinimumLength: 8,
            RequireUppercase: false,
            RequireLowercase: false,
            RequireNumbers: false,
            RequireSymbols: false,
            TemporaryPasswordValidityDays: 7,
          },
        },
        LambdaConfig: lambdaConfig(region, options.triggerFunctions ?? {}, options.preTokenGenerationVersion ?? 'V2_0'),
        SchemaAttributes: schemaAttributes(),
      },
    }),
  );
  const clients: Record<string, unknown> = {};
  for (const clientId of [LOCAL_CLIENT_ID, ...(options.clientIds ?? [])]) {
    clients[clientId] = {
      ClientId: clientId,
      ClientName: clientId,
      UserPoolId: userPoolId,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      TokenValidityUnits: { AccessToken: 'hours', IdToken: 'minutes', RefreshToken: 'days' },
    };
  }
  writeFileSync(join(dbDir, 'clients.json'), JSON.stringify({ Clients: clients }));

  const server = spawnGroup(process.execPath, [cognitoLocalBin()], {
    cwd: home,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      PORT: String(port),
      HOST: '127.0.0.1',
      ...(options.code === undefined ? {} : { CODE: options.code }),
      // cognito-local's Lambda client is aws-sdk v2; keep it quiet and offline.
      AWS_SDK_LOAD_CONFIG: '0',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: LOCAL_REGION,
    },
  });
  const stop = async () => {
    await server.stop();
    await removeHome();
  };
  try {
    await waitForAnswer(server, {
      what: `cognito-local on ${endpoint}`,
      limitMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      answers: () =>
        fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) }).then(
          (response) => response.ok,
          () => false,
        ),
    });
    const client = localCognitoClient(endpoint);
    try {
      for (const group of options.groups ?? LOCAL_GROUPS) {
        await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group }));
      }
    } finally {
      client.destroy();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint,
    userPoolId,
    clientId: LOCAL_CLIENT_ID,
    issuer: `${issuerDomain}/${userPoolId}`,
    jwksUri: `${endpoint}/${userPoolId}/.well-known/jwks.json`,
    pid: server.pid,
    stop,
  };
}

/** A Cognito client for a local endpoint with the harness's fixed credentials and region. */
export function localCognitoClient(endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 2,
  });
}

/** Path of cognito-local's start script, from its package.json `bin`. */
function cognitoLocalBin(): string {
  const manifestPath = createRequire(import.meta.url).resolve('cognito-local/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin['cognito-local'];
  if (bin === undefined) throw new LocalStackError('cognito-local has no start script: run npm ci');
  return join(dirname(manifestPath), bin);
}
