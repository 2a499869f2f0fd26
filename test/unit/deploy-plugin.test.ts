import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const Plugin = require('../../deploy/cognito-tenancy-plugin.cjs') as new (
  serverless: object,
) => { checkParams(): void; guardCustomResources(): void };

const VALID_ATTACH = {
  poolMode: 'attach',
  preTokenVersion: 'V2_0',
  replaceTriggers: 'false',
  pool: { userPoolName: 'acme-users', userPoolId: 'us-east-1_AbC123', appClientIds: '5example0web0client0id0abc' },
};

/** The parts of osls's `serverless` object the plugin reads. */
function serverless(custom: Record<string, unknown>, region = 'us-east-1', resources: Record<string, object> = {}) {
  const cognitoEvent = { properties: { cognitoUserPool: { properties: {} } } };
  const events = { anyOf: [cognitoEvent] };
  const functions = {
    preSignUp: {
      name: 'cognito-tenancy-prod-preSignUp',
      events: [{ cognitoUserPool: { trigger: 'PreSignUp', existing: true } }],
    },
    preTokenGeneration: {
      name: 'cognito-tenancy-prod-preTokenGeneration',
      events: [{ cognitoUserPool: { trigger: 'PreTokenGeneration', existing: true, lambdaVersion: 'V3_0' } }],
    },
    authorizer: { name: 'cognito-tenancy-prod-authorizer', events: [] },
  };
  return {
    configSchemaHandler: {
      schema: {
        properties: { functions: { patternProperties: { name: { properties: { events: { items: events } } } } } },
      },
    },
    service: {
      service: 'cognito-tenancy',
      custom,
      provider: { stage: 'prod', region, compiledCloudFormationTemplate: { Resources: resources } },
      getAllFunctions: () => Object.keys(functions),
      getFunction: (name: keyof typeof functions) => functions[name],
    },
  };
}

describe('deploy plugin: parameters checked at package time', () => {
  it('accepts a complete attach configuration in the pool region', () => {
    // Act
    const check = () => new Plugin(serverless(VALID_ATTACH)).checkParams();

    // Assess
    expect(check).not.toThrow();
  });

  it.each([
    [{ poolMode: 'attch' }, 'poolMode must be "create" or "attach", got "attch"'],
    [{ preTokenVersion: 'V1_0' }, 'preTokenVersion must be V2_0 or V3_0, got "V1_0"'],
    [{ replaceTriggers: 'yes' }, 'replaceTriggers must be "true" or "false", got "yes"'],
    [
      { pool: { ...VALID_ATTACH.pool, userPoolId: 'us-east-1-AbC123' } },
      'userPoolId "us-east-1-AbC123" is not a user pool id (e.g. us-east-1_AbC123)',
    ],
    [
      { pool: { ...VALID_ATTACH.pool, userPoolId: 'eu-west-1_AbC123' } },
      'userPoolId eu-west-1_AbC123 is in eu-west-1, but this deploy targets us-east-1 (use --region eu-west-1)',
    ],
    [
      { pool: { ...VALID_ATTACH.pool, appClientIds: 'goodclient,bad client' } },
      'appClientIds: "bad client" is not an app client id',
    ],
    [{ pool: { userPoolName: 'acme-users' } }, 'poolMode=attach needs --param for: userPoolId, appClientIds'],
  ])('refuses %j with one line', (change, message) => {
    // Prepare
    const plugin = new Plugin(serverless({ ...VALID_ATTACH, ...change }));

    // Act
    const check = () => plugin.checkParams();

    // Assess
    expect(check).toThrow(new Error(message));
  });

  it('checks nothing about the pool in create mode, but still the pre token version', () => {
    // Prepare
    const create = new Plugin(
      serverless({ poolMode: 'create', preTokenVersion: 'V3_0', replaceTriggers: 'false', pool: {} }),
    );
    const badVersion = new Plugin(serverless({ poolMode: 'create', preTokenVersion: 'v3', replaceTriggers: 'false' }));

    // Act
    const checks = [() => create.checkParams(), () => badVersion.checkParams()];

    // Assess
    expect(checks[0]).not.toThrow();
    expect(checks[1]).toThrow('preTokenVersion must be V2_0 or V3_0, got "v3"');
  });

  it("guards every trigger custom resource with the pool id, the service's trigger functions and replaceTriggers", () => {
    // Prepare
    const resource = { Type: 'Custom::CognitoUserPool', Properties: { UserPoolConfigs: [{ Trigger: 'PreSignUp' }] } };
    const plugin = new Plugin(serverless({ ...VALID_ATTACH, replaceTriggers: 'true' }, 'us-east-1', { X: resource }));

    // Act
    plugin.guardCustomResources();

    // Assess
    expect(resource.Properties.UserPoolConfigs).toEqual([
      { Trigger: 'PreSignUp' },
      {
        Guard: {
          UserPoolId: 'us-east-1_AbC123',
          ReplaceTriggers: 'true',
          Functions: {
            PreSignUp: 'cognito-tenancy-prod-preSignUp',
            PreTokenGeneration: 'cognito-tenancy-prod-preTokenGeneration',
          },
        },
      },
    ]);
  });
});
