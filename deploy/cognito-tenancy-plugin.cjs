'use strict';

/**
 * Local osls plugin for cognito-tenancy.
 *
 * 1. osls validates `cognitoUserPool` events against a schema without `lambdaVersion`, although its compiler
 *    supports it (pre token generation V2_0/V3_0 on existing pools): add the key to the schema.
 * 2. Attach mode: osls's custom resource that wires triggers into an existing pool gets broad IAM statements.
 *    Narrow them to what it touches: the one pool (ListUserPools cannot be scoped: osls finds the pool by
 *    name), this service's functions, and roles of this account.
 * 3. Attach mode needs the pool's name, id and app client ids: fail at package time, not at first sign-in.
 */
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
      'before:package:finalize': () => this.narrowCustomResourceRole(),
    };
  }

  params() {
    const service = this.serverless.service;
    return {
      mode: service.custom?.poolMode,
      pool: service.custom?.pool ?? {},
      stage: service.provider.stage,
      name: service.service,
    };
  }

  checkParams() {
    const { mode, pool } = this.params();
    if (mode !== 'create' && mode !== 'attach') {
      throw new Error(`poolMode must be "create" or "attach", got "${mode}"`);
    }
    if (mode === 'attach') {
      const missing = ['userPoolName', 'userPoolId', 'appClientIds'].filter((key) => !pool[key]);
      if (missing.length > 0) {
        throw new Error(`poolMode=attach needs --param for: ${missing.join(', ')}`);
      }
    }
  }

  narrowCustomResourceRole() {
    const { mode, pool, stage, name } = this.params();
    if (mode !== 'attach') return;
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const role = resources.IamRoleCustomResourcesLambdaExecution;
    if (role === undefined) return;
    const poolArn = {
      'Fn::Sub': `arn:\${AWS::Partition}:cognito-idp:\${AWS::Region}:\${AWS::AccountId}:userpool/${pool.userPoolId}`,
    };
    const functions = {
      'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${name}-${stage}-*`,
    };
    const roles = { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/*` };
    for (const policy of role.Properties.Policies ?? []) {
      const statements = [];
      for (const statement of policy.PolicyDocument.Statement) {
        const actions = [].concat(statement.Action);
        if (actions.some((action) => action.startsWith('cognito-idp:'))) {
          statements.push({ ...statement, Action: ['cognito-idp:ListUserPools'], Resource: '*' });
          const rest = actions.filter((action) => action !== 'cognito-idp:ListUserPools');
          if (rest.length > 0) statements.push({ ...statement, Action: rest, Resource: poolArn });
        } else if (actions.some((action) => action.startsWith('lambda:'))) {
          statements.push({ ...statement, Resource: functions });
        } else if (actions.includes('iam:PassRole')) {
          statements.push({ ...statement, Resource: roles });
        } else {
          statements.push(statement);
        }
      }
      policy.PolicyDocument.Statement = statements;
    }
  }
}

module.exports = CognitoTenancyPlugin;
