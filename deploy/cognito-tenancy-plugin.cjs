'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/**
 * Local osls plugin for cognito-tenancy.
 *
 * 1. osls validates `cognitoUserPool` events against a schema without `lambdaVersion`, although its compiler
 *    supports it (pre token generation V2_0/V3_0 on existing pools): add the key to the schema.
 * 2. Parameters are checked at package time, each with one line: `poolMode`, `preTokenVersion`,
 *    `replaceTriggers`, and in attach mode the pool's name, id (format, and its region equal to the deploy
 *    region) and app client ids.
 * 3. Attach mode: osls's custom resource that wires triggers into an existing pool gets broad IAM statements.
 *    Narrow them to what it touches: the one pool (found by id, so no ListUserPools), this service's trigger
 *    functions, roles passed to Cognito only, and its own log group.
 * 4. Attach mode: the custom resource's code is replaced by `deploy/custom-resource/handler.mjs` (bundled with
 *    this project's Cognito SDK), which uses the configured pool id for the invoke permission, the update and
 *    the delete, refuses foreign triggers and unmodelled pool settings, writes both pre-token fields, keeps
 *    every pool setting and logs each step; each resource gets a guard entry naming the pool id, the service's
 *    trigger functions and `replaceTriggers`.
 */

const USER_POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d)_[0-9A-Za-z]{1,55}$/;
const CLIENT_ID = /^[\w+]{1,128}$/;
const PRE_TOKEN_VERSIONS = ['V2_0', 'V3_0'];
const CUSTOM_RESOURCE_TYPE = 'Custom::CognitoUserPool';

class CognitoTenancyPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    const schema = serverless.configSchemaHandler.schema.properties.functions.patternProperties;
    const events = Object.values(schema)[0].properties.events.items.anyOf;
    const cognito = events.find((event) => event.properties?.cognitoUserPool);
    cognito.properties.cognitoUserPool.properties.lambdaVersion = { enum: ['V1_0', 'V2_0', 'V3_0'] };
    this.hooks = {
      'before:package:initialize': () => this.checkParams(),
      'before:offline:start:init': () => this.checkParams(),
      'before:package:finalize': async () => {
        this.narrowCustomResourceRole();
        this.guardCustomResources();
        await this.replaceCustomResourceCode();
      },
    };
  }

  params() {
    const service = this.serverless.service;
    return {
      mode: service.custom?.poolMode,
      pool: service.custom?.pool ?? {},
      preTokenVersion: service.custom?.preTokenVersion,
      replaceTriggers: String(service.custom?.replaceTriggers),
      stage: service.provider.stage,
      region: service.provider.region,
      name: service.service,
    };
  }

  checkParams() {
    const { mode, pool, preTokenVersion, replaceTriggers, region } = this.params();
    // osls prints a ServerlessError as its one-line message, without a stack trace.
    const ServerlessError = this.serverless.classes?.Error ?? Error;
    const fail = (message) => {
      throw new ServerlessError(message);
    };
    if (mode !== 'create' && mode !== 'attach') fail(`poolMode must be "create" or "attach", got "${mode}"`);
    if (!PRE_TOKEN_VERSIONS.includes(preTokenVersion)) {
      fail(`preTokenVersion must be ${PRE_TOKEN_VERSIONS.join(' or ')}, got "${preTokenVersion}"`);
    }
    if (replaceTriggers !== 'true' && replaceTriggers !== 'false') {
      fail(`replaceTriggers must be "true" or "false", got "${replaceTriggers}"`);
    }
    if (mode !== 'attach') return;
    const missing = ['userPoolName', 'userPoolId', 'appClientIds'].filter((key) => !pool[key]);
    if (missing.length > 0) fail(`poolMode=attach needs --param for: ${missing.join(', ')}`);
    const poolRegion = USER_POOL_ID.exec(pool.userPoolId)?.[1];
    if (poolRegion === undefined) fail(`userPoolId "${pool.userPoolId}" is not a user pool id (e.g. us-east-1_AbC123)`);
    if (poolRegion !== region) {
      fail(
        `userPoolId ${pool.userPoolId} is in ${poolRegion}, but this deploy targets ${region} (use --region ${poolRegion})`,
      );
    }
    for (const clientId of String(pool.appClientIds).split(',')) {
      if (!CLIENT_ID.test(clientId.trim())) fail(`appClientIds: "${clientId}" is not an app client id`);
    }
  }

  customResources() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    return Object.values(resources).filter((resource) => resource.Type === CUSTOM_RESOURCE_TYPE);
  }

  /**
   * The custom resource's role, statement by statement, reduced to what its code sends: DescribeUserPool and
   * UpdateUserPool on the configured pool (no ListUserPools: the pool is found by id), Add/RemovePermission on
   * this service's trigger functions only, iam:PassRole only to Cognito (UpdateUserPool passes the pool's SMS
   * role back to it), and its own log group.
   */
  narrowCustomResourceRole() {
    const { mode, pool } = this.params();
    if (mode !== 'attach') return;
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const role = resources.IamRoleCustomResourcesLambdaExecution;
    if (role === undefined) return;
    const sub = (arn) => ({ 'Fn::Sub': arn });
    const poolArn = sub(
      `arn:\${AWS::Partition}:cognito-idp:\${AWS::Region}:\${AWS::AccountId}:userpool/${pool.userPoolId}`,
    );
    const functions = Object.values(this.serviceTriggers())
      .sort()
      .map((name) => sub(`arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${name}`));
    const fn = Object.values(resources).find(
      (resource) =>
        resource.Type === 'AWS::Lambda::Function' &&
        resource.Properties.Role?.['Fn::GetAtt']?.[0] === 'IamRoleCustomResourcesLambdaExecution',
    );
    const logGroup = `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${fn?.Properties.FunctionName}`;
    for (const policy of role.Properties.Policies ?? []) {
      const statements = [];
      for (const statement of policy.PolicyDocument.Statement) {
        const actions = [].concat(statement.Action);
        if (actions.some((action) => action.startsWith('cognito-idp:'))) {
          const used = actions.filter((action) => action !== 'cognito-idp:ListUserPools');
          statements.push({ ...statement, Action: used, Resource: poolArn });
        } else if (actions.some((action) => action.startsWith('lambda:'))) {
          statements.push({ ...statement, Resource: functions });
        } else if (actions.includes('iam:PassRole')) {
          statements.push({
            ...statement,
            Resource: sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/*`),
            Condition: { StringEquals: { 'iam:PassedToService': 'cognito-idp.amazonaws.com' } },
          });
        } else if (actions.includes('logs:CreateLogStream')) {
          // The log group is the stack's (provider.logs.frameworkLambda): creating or tagging it is not needed.
          statements.push({ ...statement, Action: ['logs:CreateLogStream'], Resource: sub(`${logGroup}:*`) });
        } else if (actions.includes('logs:PutLogEvents')) {
          statements.push({ ...statement, Resource: sub(`${logGroup}:*`) });
        } else {
          statements.push(statement);
        }
      }
      policy.PolicyDocument.Statement = statements;
    }
  }

  /** Every trigger the service sets on the existing pool → the deployed name of its function. */
  serviceTriggers() {
    const service = this.serverless.service;
    const triggers = {};
    for (const functionName of service.getAllFunctions()) {
      const fn = service.getFunction(functionName);
      for (const event of fn.events ?? []) {
        if (event.cognitoUserPool?.existing) triggers[event.cognitoUserPool.trigger] = fn.name;
      }
    }
    return triggers;
  }

  guardCustomResources() {
    const { mode, pool, replaceTriggers } = this.params();
    if (mode !== 'attach') return;
    const guard = { UserPoolId: pool.userPoolId, ReplaceTriggers: replaceTriggers, Functions: this.serviceTriggers() };
    for (const resource of this.customResources()) resource.Properties.UserPoolConfigs.push({ Guard: guard });
  }

  /** Rebuilds osls's custom-resource zip with this project's pool code in place of osls's. */
  async replaceCustomResourceCode() {
    if (this.params().mode !== 'attach' || this.customResources().length === 0) return;
    const lib = this.serverless.config.serverlessPath;
    const zipPath = path.join(this.serverless.serviceDir, '.serverless', 'custom-resources.zip');
    if (!fs.existsSync(zipPath)) throw new Error(`attach mode: osls's custom-resource package ${zipPath} is missing`);
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-tenancy-custom-resources-'));
    try {
      fs.cpSync(path.join(lib, 'plugins', 'aws', 'custom-resources', 'resources'), staging, { recursive: true });
      // osls's handler and pool code are replaced; its utils.js (the answer to CloudFormation) is kept.
      fs.rmSync(path.join(staging, 'cognito-user-pool'), { recursive: true, force: true });
      require('esbuild').buildSync({
        entryPoints: [path.join(__dirname, 'custom-resource', 'handler.mjs')],
        outfile: path.join(staging, 'cognito-user-pool', 'handler.js'),
        // osls's helpers stay beside it; the credential providers Lambda never loads (its credentials are in the
        // environment) stay out, as in the functions' bundles (esbuild.config.cjs): the runtime's SDK has them.
        external: ['../utils', ...require(path.join(__dirname, '..', 'esbuild.config.cjs')).esbuildOptions().external],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        mainFields: ['module', 'main'],
        legalComments: 'none',
        logLevel: 'error',
        banner: {
          js: '// cognito-tenancy: deploy/custom-resource/handler.mjs, bundled with its Cognito and Lambda SDK clients',
        },
      });
      const createZipFile = require(path.join(lib, 'utils', 'fs', 'create-zip-file.js'));
      await createZipFile(staging, zipPath);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
}

module.exports = CognitoTenancyPlugin;
