/**
 * cognito-tenancy's replacement for osls's `cognito-user-pool` custom resource, which wires triggers into an
 * existing user pool (attach mode). The deploy plugin bundles `handler.mjs` (which builds the clients and hands
 * the events to `userPoolTriggers`) with this project's pinned Cognito SDK into osls's custom-resource zip as
 * `cognito-user-pool/handler.js`; osls's `utils.js` still answers CloudFormation.
 *
 * What it does differently from osls's version (docs/deploy.md "Attach mode respects the pool it attaches to"):
 * - The pool is the configured `userPoolId` (the guard entry the plugin adds), never the first pool found by
 *   name: the invoke permission's SourceArn, the update and the delete all use that id, and its name is checked.
 * - It refuses, before any change, when a slot this service uses (pre sign-up, post confirmation, pre token
 *   generation) holds a function that is not this service's, naming it, unless the deploy passed
 *   `replaceTriggers=true`. Every custom resource checks every slot of the service, and CloudFormation runs
 *   them one after the other, so the first one refuses before anything is written.
 * - Pre token generation is written to both of its fields, `PreTokenGeneration` and
 *   `PreTokenGenerationConfig.LambdaArn`, which Cognito requires to be identical.
 * - `UpdateUserPool` resets every setting it is not given: the request copies every updatable field of the
 *   pool by name (`COPIED`), renames `Name` to `PoolName`, keeps an existing `TemporaryPasswordValidityDays`,
 *   and refuses a pool whose raw `DescribeUserPool` JSON holds a field, at any depth, that this SDK does not
 *   model: the SDK's deserializer drops such a field, so the update would reset it.
 * - Every step is logged (one JSON line each, no secrets) to the function's own log group.
 *
 * The plugin appends one entry `{ Guard: {...} }` to every resource's `UserPoolConfigs`; the other entries are
 * osls's `{ Trigger, LambdaVersion? }`.
 */

// ES imports (bundled to CommonJS by the plugin) so that esbuild keeps only the four commands this code sends.
import { DescribeUserPoolCommand, UpdateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { AddPermissionCommand, RemovePermissionCommand } from '@aws-sdk/client-lambda';

/** `DescribeUserPool` output fields that `UpdateUserPool` takes under the same name. */
export const COPIED = [
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

/** `DescribeUserPool` output fields `UpdateUserPool` renames. */
export const RENAMED = { Name: 'PoolName' };

/** Output fields that describe the pool but cannot be updated (set at creation, or computed by Cognito). */
export const READ_ONLY = [
  'Id',
  'Status',
  'LastModifiedDate',
  'CreationDate',
  'SchemaAttributes',
  'AliasAttributes',
  'UsernameAttributes',
  'UsernameConfiguration',
  'EstimatedNumberOfUsers',
  'SmsConfigurationFailure',
  'EmailConfigurationFailure',
  'Domain',
  'CustomDomain',
  'Arn',
];

const CUSTOM_SENDERS = ['CustomSMSSender', 'CustomEmailSender'];

/** Error thrown when the pool cannot be updated safely; its message reaches the CloudFormation event. */
class PoolRefusedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PoolRefusedError';
  }
}

/**
 * The paths of `raw` (the JSON Cognito sent) that `parsed` (what the SDK deserialized from it) lacks: fields
 * this SDK does not model. Leaves of different types (epoch seconds → Date) are not compared.
 */
export function unmodelledPaths(raw, parsed, path = '') {
  if (raw === null || typeof raw !== 'object') return [];
  if (parsed === null || typeof parsed !== 'object' || parsed instanceof Date) return [];
  const missing = [];
  for (const [key, value] of Object.entries(raw)) {
    const at = Array.isArray(raw) ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
    if (!(key in parsed)) missing.push(at);
    else missing.push(...unmodelledPaths(value, parsed[key], at));
  }
  return missing;
}

/**
 * The `UpdateUserPool` input that keeps every setting of `pool` (its `DescribeUserPool` output as the SDK
 * parsed it), with `lambdaConfig` instead of its `LambdaConfig`. `raw` is the pool object of the raw response:
 * a field it holds that the lists do not know, or that the SDK dropped, would be reset, so it throws instead.
 */
function updateRequestFrom(pool, raw, lambdaConfig) {
  const unknown = Object.keys(raw).filter(
    (field) => !COPIED.includes(field) && !READ_ONLY.includes(field) && !(field in RENAMED),
  );
  const dropped = unmodelledPaths(raw, pool).filter((path) => !unknown.includes(path.split(/[.[]/)[0]));
  if (unknown.length > 0 || dropped.length > 0) {
    throw new PoolRefusedError(
      `User pool "${pool.Name}" has settings this deploy does not know (${[...unknown, ...dropped].join(', ')}); ` +
        'refusing to update it, as UpdateUserPool would reset them. Upgrade cognito-tenancy (its Cognito SDK).',
    );
  }
  const request = { UserPoolId: pool.Id };
  for (const [from, to] of Object.entries(RENAMED)) if (pool[from] !== undefined) request[to] = pool[from];
  for (const field of COPIED) if (pool[field] !== undefined) request[field] = structuredClone(pool[field]);
  // UnusedAccountValidityDays is the deprecated twin of TemporaryPasswordValidityDays; Cognito refuses both.
  const unused = request.AdminCreateUserConfig?.UnusedAccountValidityDays;
  if (unused !== undefined) {
    delete request.AdminCreateUserConfig.UnusedAccountValidityDays;
    const password = request.Policies?.PasswordPolicy;
    if (password !== undefined && password.TemporaryPasswordValidityDays === undefined) {
      password.TemporaryPasswordValidityDays = unused;
    }
  }
  request.LambdaConfig = lambdaConfig;
  return request;
}

/** The functions found on a slot: pre token generation has two fields. */
function slotValues(lambdaConfig, slot) {
  if (slot !== 'PreTokenGeneration') return lambdaConfig[slot] === undefined ? [] : [lambdaConfig[slot]];
  const values = [lambdaConfig.PreTokenGeneration, lambdaConfig.PreTokenGenerationConfig?.LambdaArn];
  return [...new Set(values.filter((value) => value !== undefined))];
}

/** The guard entry the plugin adds, and osls's trigger entries. */
function splitConfigs(userPoolConfigs) {
  const guard = (userPoolConfigs ?? []).find((entry) => entry.Guard !== undefined)?.Guard;
  return { guard, triggers: (userPoolConfigs ?? []).filter((entry) => entry.Guard === undefined) };
}

/** The ARN of another function of the same account and region as `lambdaArn`. */
function siblingArn(lambdaArn, functionName) {
  const at = lambdaArn.indexOf(':function:') + ':function:'.length;
  return lambdaArn.slice(0, at) + functionName;
}

/**
 * Refuses, naming every function found, when a slot the service uses holds a function that is not one of
 * the service's own (or of this resource's previous version), unless `ReplaceTriggers` is `"true"`.
 */
function checkForeignTriggers(pool, guard, lambdaArn, previousLambdaArn) {
  const functions = guard.Functions ?? {};
  const ours = new Set([
    lambdaArn,
    previousLambdaArn,
    ...Object.values(functions).map((name) => siblingArn(lambdaArn, name)),
  ]);
  const foreign = [];
  for (const slot of Object.keys(functions)) {
    for (const value of slotValues(pool.LambdaConfig ?? {}, slot)) {
      if (!ours.has(value)) foreign.push(`${slot}: ${value}`);
    }
  }
  if (foreign.length > 0 && String(guard.ReplaceTriggers) !== 'true') {
    throw new PoolRefusedError(
      `User pool "${pool.Name}" already has another function on a trigger this service sets (${foreign.join('; ')}). ` +
        'Nothing was changed. Remove it from the pool, or deploy with --param="replaceTriggers=true" to replace it.',
    );
  }
}

/** `LambdaConfig` without any trace of the given function ARNs (both pre-token fields, custom senders). */
function withoutFunctions(lambdaConfig, arns) {
  const targets = new Set(arns.filter(Boolean));
  const result = {};
  for (const [key, value] of Object.entries(lambdaConfig ?? {})) {
    if (typeof value === 'string' && targets.has(value)) continue;
    if ((key === 'PreTokenGenerationConfig' || CUSTOM_SENDERS.includes(key)) && targets.has(value?.LambdaArn)) continue;
    result[key] = value;
  }
  // Pre token generation is one trigger in two fields: when either named a removed function, both go.
  if (slotValues(lambdaConfig ?? {}, 'PreTokenGeneration').some((value) => targets.has(value))) {
    delete result.PreTokenGeneration;
    delete result.PreTokenGenerationConfig;
  }
  if ('KMSKeyID' in result && CUSTOM_SENDERS.every((source) => !(source in result))) delete result.KMSKeyID;
  return result;
}

/** `LambdaConfig` with this function on each of its triggers. */
function withTriggers(lambdaConfig, triggers, lambdaArn) {
  const result = { ...lambdaConfig };
  for (const entry of triggers) {
    if (CUSTOM_SENDERS.includes(entry.Trigger)) {
      result[entry.Trigger] = { LambdaArn: lambdaArn, LambdaVersion: entry.LambdaVersion };
      result.KMSKeyID = entry.KMSKeyID;
    } else if (entry.Trigger === 'PreTokenGeneration') {
      result.PreTokenGeneration = lambdaArn;
      result.PreTokenGenerationConfig = { LambdaArn: lambdaArn, LambdaVersion: entry.LambdaVersion ?? 'V1_0' };
    } else {
      result[entry.Trigger] = lambdaArn;
    }
  }
  return result;
}

/** The invoke permission's statement id: the function and the pool id (osls used the pool's name). */
export function statementId(functionName, userPoolId) {
  return `${functionName}-${userPoolId}`.replace(/[^\w-]/g, '-').slice(0, 100);
}

const errorName = (error) => error?.name ?? error?.Code ?? error?.code;

/**
 * The custom resource's behaviour over injected clients: `cognito` (a CognitoIdentityProviderClient), `lambda`
 * (a LambdaClient) and `log` (one structured line per step).
 */
export function userPoolTriggers({ cognito, lambda, log }) {
  /** DescribeUserPool of `poolId`: the SDK's output and the raw JSON it was parsed from; null when absent. */
  async function describe(poolId) {
    const command = new DescribeUserPoolCommand({ UserPoolId: poolId });
    let body;
    // Innermost deserialize-step middleware: it sees the HTTP response before the SDK's deserializer, keeps
    // its bytes and hands them on unchanged.
    command.middlewareStack.addRelativeTo(
      (next) => async (args) => {
        const result = await next(args);
        const chunks = [];
        const stream = result.response.body;
        if (stream instanceof Uint8Array) chunks.push(stream);
        else for await (const chunk of stream) chunks.push(Buffer.from(chunk));
        const bytes = Buffer.concat(chunks);
        // Decoded now: the deserializer re-types the bytes it is handed (Uint8ArrayBlobAdapter).
        body = bytes.toString('utf8');
        result.response.body = bytes;
        return result;
      },
      { relation: 'after', toMiddleware: 'deserializerMiddleware', name: 'cognitoTenancyRawBody' },
    );
    let output;
    try {
      output = await cognito.send(command);
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return null;
      throw error;
    }
    if (body === undefined) throw new Error('DescribeUserPool: the raw response could not be read');
    const raw = JSON.parse(body).UserPool;
    return { pool: output.UserPool, raw };
  }

  /** The configured pool, its name checked; `null` when it no longer exists. */
  async function describePool(guard, userPoolName) {
    const described = await describe(guard.UserPoolId);
    if (described === null) return null;
    if (described.pool.Name !== userPoolName) {
      throw new PoolRefusedError(
        `User pool ${guard.UserPoolId} is named "${described.pool.Name}", not "${userPoolName}"; check userPoolName and userPoolId.`,
      );
    }
    return described;
  }

  /** Create and update: sets this function on its triggers, keeping every other setting of the pool. */
  async function updateConfiguration(config) {
    const { lambdaArn, previousLambdaArn, userPoolConfigs, userPoolName } = config;
    const { guard, triggers } = requireGuard(userPoolConfigs);
    const described = await describePool(guard, userPoolName);
    if (described === null) throw new PoolRefusedError(`User pool ${guard.UserPoolId} does not exist`);
    checkForeignTriggers(described.pool, guard, lambdaArn, previousLambdaArn);
    // Whatever held this function's slots is overwritten (checked above), both pre-token fields alike.
    const lambdaConfig = withTriggers(
      withoutFunctions(described.pool.LambdaConfig, [lambdaArn, previousLambdaArn]),
      triggers,
      lambdaArn,
    );
    const request = updateRequestFrom(described.pool, described.raw, lambdaConfig);
    log('UpdateUserPool', { userPoolId: guard.UserPoolId, triggers: triggers.map((entry) => entry.Trigger) });
    return cognito.send(new UpdateUserPoolCommand(request));
  }

  /** Delete: removes this function from the configured pool, keeping every other setting; nothing to do without it. */
  async function removeConfiguration(config) {
    const { guard } = requireGuard(config.userPoolConfigs);
    const described = await describePool(guard, config.userPoolName);
    if (described === null) {
      log('pool gone, nothing to remove', { userPoolId: guard.UserPoolId });
      return null;
    }
    const lambdaConfig = withoutFunctions(described.pool.LambdaConfig, [config.lambdaArn]);
    const request = updateRequestFrom(described.pool, described.raw, lambdaConfig);
    log('UpdateUserPool (remove triggers)', { userPoolId: guard.UserPoolId });
    return cognito.send(new UpdateUserPoolCommand(request));
  }

  async function addPermission(target, environment) {
    const { UserPoolId } = target.guard;
    const input = {
      Action: 'lambda:InvokeFunction',
      FunctionName: target.functionName,
      ...(target.functionQualifier && { Qualifier: target.functionQualifier }),
      Principal: 'cognito-idp.amazonaws.com',
      StatementId: statementId(target.functionName, UserPoolId),
      SourceArn: `arn:${environment.Partition}:cognito-idp:${environment.Region}:${environment.AccountId}:userpool/${UserPoolId}`,
      SourceAccount: environment.AccountId,
    };
    log('AddPermission', { functionName: target.functionName, sourceArn: input.SourceArn });
    return lambda.send(new AddPermissionCommand(input));
  }

  async function removePermission(target) {
    log('RemovePermission', { functionName: target.functionName, userPoolId: target.guard.UserPoolId });
    try {
      await lambda.send(
        new RemovePermissionCommand({
          FunctionName: target.functionName,
          ...(target.functionQualifier && { Qualifier: target.functionQualifier }),
          StatementId: statementId(target.functionName, target.guard.UserPoolId),
        }),
      );
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
    }
  }

  async function ensurePermission(target, environment) {
    try {
      await addPermission(target, environment);
    } catch (error) {
      if (errorName(error) !== 'ResourceConflictException') throw error;
      await removePermission(target);
      await addPermission(target, environment);
    }
  }

  const config = (target, extra = {}) => ({
    lambdaArn: target.lambdaArn,
    userPoolName: target.userPoolName,
    userPoolConfigs: target.userPoolConfigs,
    ...extra,
  });

  /** A CloudFormation event of the custom resource, with the Lambda environment (partition, region, account). */
  async function handle(event, environment) {
    const target = resolveTarget(event.ResourceProperties, environment);
    log(`${event.RequestType} ${event.LogicalResourceId}`, {
      userPoolId: target.guard.UserPoolId,
      functionName: target.functionName,
    });
    if (event.RequestType === 'Create') {
      await ensurePermission(target, environment);
      await updateConfiguration(config(target));
      return;
    }
    if (event.RequestType === 'Delete') {
      await removePermission(target);
      await removeConfiguration(config(target));
      return;
    }
    if (event.RequestType !== 'Update') throw new Error(`Unhandled RequestType ${event.RequestType}`);
    const old = event.OldResourceProperties && resolveTarget(event.OldResourceProperties, environment);
    const samePool = old?.guard.UserPoolId === target.guard.UserPoolId;
    const sameStatement =
      samePool && old.functionName === target.functionName && old.functionQualifier === target.functionQualifier;
    if (!sameStatement) await ensurePermission(target, environment);
    await updateConfiguration(config(target, { previousLambdaArn: samePool ? old.lambdaArn : undefined }));
    if (old !== undefined && !samePool) await removeConfiguration(config(old));
    if (old !== undefined && !sameStatement) await removePermission(old);
  }

  return { handle, updateConfiguration, removeConfiguration };
}

/** The guard entry, which every resource packaged by this project's plugin carries. */
function requireGuard(userPoolConfigs) {
  const { guard, triggers } = splitConfigs(userPoolConfigs);
  if (guard?.UserPoolId === undefined) {
    throw new PoolRefusedError(
      'This custom resource has no pool id (it was not packaged with deploy/cognito-tenancy-plugin.cjs); refusing to find the pool by name.',
    );
  }
  return { guard, triggers };
}

function resolveTarget(properties, environment) {
  const { FunctionName, FunctionQualifier, UserPoolName, UserPoolConfigs } = properties;
  const arn = `arn:${environment.Partition}:lambda:${environment.Region}:${environment.AccountId}:function:${FunctionName}`;
  return {
    functionName: FunctionName,
    functionQualifier: FunctionQualifier,
    userPoolName: UserPoolName,
    userPoolConfigs: UserPoolConfigs,
    guard: requireGuard(UserPoolConfigs).guard,
    lambdaArn: FunctionQualifier ? `${arn}:${FunctionQualifier}` : arn,
  };
}
