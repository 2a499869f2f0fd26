'use strict';

/**
 * cognito-tenancy's replacement for osls's `cognito-user-pool/lib/user-pool.js`, the code of the custom
 * resource that wires triggers into an existing user pool (attach mode). The deploy plugin bundles it, with
 * this project's pinned Cognito SDK, into osls's custom-resource zip under that name; osls's `handler.js`
 * calls `updateConfiguration` (create, update) and `removeConfiguration` (delete) as before.
 *
 * What it does differently from osls's version (docs/deploy.md "Attach mode respects the pool it attaches to"):
 * - It refuses, before any change, when a slot this service uses (pre sign-up, post confirmation, pre token
 *   generation) holds a function that is not this service's, naming it, unless the deploy passed
 *   `replaceTriggers=true`. Every custom resource checks every slot of the service, and CloudFormation runs
 *   them one after the other, so the first one refuses before anything is written.
 * - Pre token generation is written to both of its fields, `PreTokenGeneration` and
 *   `PreTokenGenerationConfig.LambdaArn`, which Cognito requires to be identical.
 * - `UpdateUserPool` resets every setting it is not given: the request copies every updatable field of the
 *   `DescribeUserPool` output by name (`COPIED`), renames `Name` to `PoolName`, keeps an existing
 *   `TemporaryPasswordValidityDays`, and refuses a pool that reports a field it does not know.
 * - With the pool id known (the plugin passes it), it describes that pool and checks its name, rather than
 *   trusting the first pool of that name.
 *
 * The plugin appends one entry `{ Guard: {...} }` to every resource's `UserPoolConfigs`; the other entries are
 * osls's `{ Trigger, LambdaVersion? }`.
 */

const {
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  ListUserPoolsCommand,
  UpdateUserPoolCommand,
} = require('@aws-sdk/client-cognito-identity-provider');

const cognito = new CognitoIdentityProviderClient({ maxAttempts: 5 });

/** `DescribeUserPool` output fields that `UpdateUserPool` takes under the same name. */
const COPIED = [
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
const RENAMED = { Name: 'PoolName' };

/** Output fields that describe the pool but cannot be updated (set at creation, or computed by Cognito). */
const READ_ONLY = [
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

/**
 * The `UpdateUserPool` input that keeps every setting of `pool` (a `DescribeUserPool` output), with
 * `lambdaConfig` instead of its `LambdaConfig`. Throws when the pool reports a field this list does not know:
 * leaving it out would reset it.
 */
function updateRequestFrom(pool, lambdaConfig) {
  const unknown = Object.keys(pool).filter(
    (field) => !COPIED.includes(field) && !READ_ONLY.includes(field) && !(field in RENAMED),
  );
  if (unknown.length > 0) {
    throw new Error(
      `User pool "${pool.Name}" has settings this deploy does not know (${unknown.join(', ')}); ` +
        'refusing to update it, as UpdateUserPool would reset them.',
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
  const guard = userPoolConfigs.find((entry) => entry.Guard !== undefined)?.Guard;
  return { guard, triggers: userPoolConfigs.filter((entry) => entry.Guard === undefined) };
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
  if (guard === undefined) return;
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
    throw new Error(
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

async function findUserPoolByName({ userPoolName }) {
  let NextToken;
  do {
    const page = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60, NextToken }));
    const match = (page.UserPools ?? []).find((pool) => pool.Name === userPoolName);
    if (match !== undefined) return match;
    NextToken = page.NextToken;
  } while (NextToken);
  return null;
}

/** The pool's description: by the id the plugin passed (checking its name), else found by name as osls does. */
async function describePool(config, guard) {
  cognito.config.region = () => Promise.resolve(config.region);
  const poolId = guard?.UserPoolId ?? (await findUserPoolByName(config))?.Id;
  if (poolId === undefined) return null;
  const { UserPool } = await cognito.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
  if (UserPool.Name !== config.userPoolName) {
    throw new Error(
      `User pool ${poolId} is named "${UserPool.Name}", not "${config.userPoolName}"; check userPoolName and userPoolId.`,
    );
  }
  return UserPool;
}

/** Create and update: sets this function on its triggers, keeping every other setting of the pool. */
async function updateConfiguration(config) {
  const { lambdaArn, previousLambdaArn, userPoolConfigs } = config;
  const { guard, triggers } = splitConfigs(userPoolConfigs);
  const pool = await describePool(config, guard);
  if (pool === null) throw new Error(`Could not find Cognito User Pool "${config.userPoolName}"`);
  checkForeignTriggers(pool, guard, lambdaArn, previousLambdaArn);
  // Whatever held this function's slots is overwritten (checked above), both pre-token fields alike.
  const lambdaConfig = withTriggers(
    withoutFunctions(pool.LambdaConfig, [lambdaArn, previousLambdaArn]),
    triggers,
    lambdaArn,
  );
  return cognito.send(new UpdateUserPoolCommand(updateRequestFrom(pool, lambdaConfig)));
}

/** Delete: removes this function from the pool, keeping every other setting; nothing to do without the pool. */
async function removeConfiguration(config) {
  const pool = await describePool(config, undefined);
  if (pool === null) return null;
  const lambdaConfig = withoutFunctions(pool.LambdaConfig, [config.lambdaArn]);
  return cognito.send(new UpdateUserPoolCommand(updateRequestFrom(pool, lambdaConfig)));
}

module.exports = { findUserPoolByName, updateConfiguration, removeConfiguration, COPIED, RENAMED, READ_ONLY };
