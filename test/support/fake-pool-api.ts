/**
 * A fake of the Cognito and Lambda APIs the attach-mode custom resource calls, on 127.0.0.1, speaking their wire
 * protocols (Cognito: awsJson1_1; Lambda: restJson1), so the real SDK clients serialize and deserialize exactly
 * as against AWS. It enforces the documented rules the custom resource must satisfy, not only what it accepts:
 *
 * - `UpdateUserPool` resets every setting it is not given ("If you don't provide a value for an attribute,
 *   Amazon Cognito sets it to its default value", https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-updating.html):
 *   the stored pool keeps only what the request carried, so a test sees what a missing field would cost.
 * - `PreTokenGeneration` and `PreTokenGenerationConfig.LambdaArn` must be equal (LambdaConfigType, API reference).
 * - `MfaConfiguration` ON or OPTIONAL needs an enabled factor: SMS (the request's `SmsConfiguration`), or the
 *   TOTP and e-mail factors, which are set by `SetUserPoolMfaConfig` and are not part of `UpdateUserPoolRequest`
 *   (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SetUserPoolMfaConfig.html);
 *   Cognito refuses otherwise ("Invalid MFA configuration given, can't disable all MFAs with a required or
 *   optional configuration."). E-mail MFA needs the Essentials or Plus plan and Amazon SES (`DEVELOPER`) e-mail
 *   (EmailMfaConfigType, EmailConfigurationType).
 * - `AddPermission` refuses a statement id the function's policy already has (409 ResourceConflictException);
 *   `RemovePermission` of a missing one is 404 ResourceNotFoundException.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// biome-ignore lint/suspicious/noExplicitAny: wire JSON, read freely.
type Json = Record<string, any>;

/** The MFA factors a pool has enabled outside `UpdateUserPool` (`SetUserPoolMfaConfig`). */
export interface MfaFactors {
  readonly softwareToken: boolean;
  readonly email: boolean;
}

/** One recorded call: the operation and its parsed request. */
export interface FakeCall {
  readonly operation: string;
  readonly input: Json;
}

/** The fake, its endpoint and its state. */
export interface FakePoolApi {
  readonly endpoint: string;
  /** Pool id → the `UserPool` object `DescribeUserPool` answers (wire JSON: dates in epoch seconds). */
  readonly pools: Map<string, Json>;
  readonly mfa: Map<string, MfaFactors>;
  /** Function name → statement id → the statement's SourceArn. */
  readonly permissions: Map<string, Map<string, string>>;
  readonly calls: FakeCall[];
  /** Adds a pool from a recorded `DescribeUserPool` output (ISO dates become epoch seconds on the wire). */
  addPool(describeOutput: Json, mfa?: MfaFactors): void;
  close(): Promise<void>;
}

const UPDATABLE = [
  'Policies',
  'DeletionProtection',
  'LambdaConfig',
  'AutoVerifiedAttributes',
  'SmsVerificationMessage',
  'EmailVerificationMessage',
  'EmailVerificationSubject',
  'VerificationMessageTemplate',
  'SmsAuthenticationMessage',
  'UserAttributeUpdateSettings',
  'MfaConfiguration',
  'DeviceConfiguration',
  'EmailConfiguration',
  'SmsConfiguration',
  'UserPoolTags',
  'AdminCreateUserConfig',
  'UserPoolAddOns',
  'DcrConfiguration',
  'AccountRecoverySetting',
  'UserPoolTier',
  'KeyConfiguration',
  'IssuerConfiguration',
  'AcrConfiguration',
];

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the fake on a free port of 127.0.0.1. */
export async function startFakePoolApi(): Promise<FakePoolApi> {
  const pools = new Map<string, Json>();
  const mfa = new Map<string, MfaFactors>();
  const permissions = new Map<string, Map<string, string>>();
  const calls: FakeCall[] = [];

  const cognito = (operation: string, input: Json): Json => {
    calls.push({ operation, input });
    const pool = pools.get(input.UserPoolId);
    if (pool === undefined)
      throw new ApiError(400, 'ResourceNotFoundException', `User pool ${input.UserPoolId} does not exist.`);
    if (operation === 'DescribeUserPool') return { UserPool: pool };
    if (operation !== 'UpdateUserPool') throw new ApiError(400, 'UnknownOperationException', operation);
    const lambda = input.LambdaConfig ?? {};
    if (
      (lambda.PreTokenGeneration !== undefined || lambda.PreTokenGenerationConfig !== undefined) &&
      lambda.PreTokenGeneration !== lambda.PreTokenGenerationConfig?.LambdaArn
    ) {
      throw new ApiError(
        400,
        'InvalidParameterException',
        'PreTokenGeneration and PreTokenGenerationConfig must match',
      );
    }
    const factors = mfa.get(input.UserPoolId) ?? { softwareToken: false, email: false };
    const sms = input.SmsConfiguration?.SnsCallerArn !== undefined;
    const mode = input.MfaConfiguration ?? 'OFF';
    if (mode !== 'OFF' && !sms && !factors.softwareToken && !factors.email) {
      throw new ApiError(
        400,
        'InvalidParameterException',
        "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.",
      );
    }
    if (factors.email && input.EmailConfiguration?.EmailSendingAccount !== 'DEVELOPER') {
      throw new ApiError(400, 'InvalidParameterException', 'Email MFA requires Amazon SES (DEVELOPER) e-mail');
    }
    if (factors.email && !['ESSENTIALS', 'PLUS'].includes(input.UserPoolTier)) {
      throw new ApiError(400, 'FeatureUnavailableInTierException', 'Email MFA needs the Essentials or Plus plan');
    }
    // What the request does not carry is reset: the stored pool keeps only what it was given.
    for (const field of UPDATABLE) {
      if (input[field] === undefined) delete pool[field];
      else pool[field] = input[field];
    }
    if (input.PoolName !== undefined) pool.Name = input.PoolName;
    return {};
  };

  const lambda = (method: string, path: string, input: Json): { status: number; body?: Json } => {
    const add = /^\/2015-03-31\/functions\/([^/]+)\/policy$/.exec(path);
    const remove = /^\/2015-03-31\/functions\/([^/]+)\/policy\/([^/?]+)/.exec(path);
    if (method === 'POST' && add !== null) {
      const name = decodeURIComponent(add[1] ?? '');
      calls.push({ operation: 'AddPermission', input: { FunctionName: name, ...input } });
      const statements = permissions.get(name) ?? new Map<string, string>();
      if (statements.has(input.StatementId)) {
        throw new ApiError(
          409,
          'ResourceConflictException',
          `The statement id (${input.StatementId}) provided already exists.`,
        );
      }
      statements.set(input.StatementId, input.SourceArn);
      permissions.set(name, statements);
      return { status: 201, body: { Statement: JSON.stringify(input) } };
    }
    if (method === 'DELETE' && remove !== null) {
      const name = decodeURIComponent(remove[1] ?? '');
      const sid = decodeURIComponent(remove[2] ?? '');
      calls.push({ operation: 'RemovePermission', input: { FunctionName: name, StatementId: sid } });
      if (permissions.get(name)?.delete(sid) !== true) {
        throw new ApiError(404, 'ResourceNotFoundException', 'No policy is associated with the given resource.');
      }
      return { status: 204 };
    }
    throw new ApiError(404, 'UnknownOperationException', `${method} ${path}`);
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const input = text === '' ? {} : (JSON.parse(text) as Json);
      const target = request.headers['x-amz-target'];
      try {
        if (typeof target === 'string') {
          const body = cognito(target.split('.')[1] ?? '', input);
          response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
          return;
        }
        const { status, body } = lambda(request.method ?? '', request.url ?? '', input);
        response.writeHead(status, { 'content-type': 'application/json' }).end(body ? JSON.stringify(body) : '');
      } catch (error) {
        const failure = error instanceof ApiError ? error : new ApiError(500, 'InternalErrorException', String(error));
        response
          .writeHead(failure.status, { 'content-type': 'application/json', 'x-amzn-errortype': failure.type })
          .end(JSON.stringify({ __type: failure.type, message: failure.message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pools,
    mfa,
    permissions,
    calls,
    addPool(describeOutput, factors) {
      const pool = structuredClone(describeOutput.UserPool) as Json;
      for (const field of ['CreationDate', 'LastModifiedDate']) {
        if (typeof pool[field] === 'string') pool[field] = Date.parse(pool[field]) / 1000;
      }
      pools.set(pool.Id, pool);
      if (factors !== undefined) mfa.set(pool.Id, factors);
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
