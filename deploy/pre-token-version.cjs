'use strict';
/**
 * osls validates `cognitoUserPool` events against a schema without `lambdaVersion`, although its compiler
 * supports it (pre token generation V2_0/V3_0 on existing pools). This plugin adds the key to the schema.
 */
class PreTokenLambdaVersion {
  constructor(serverless) {
    const schema = serverless.configSchemaHandler.schema.properties.functions.patternProperties;
    const fn = Object.values(schema)[0];
    const events = fn.properties.events.items.anyOf;
    const cognito = events.find((event) => event.properties?.cognitoUserPool);
    cognito.properties.cognitoUserPool.properties.lambdaVersion = { enum: ['V1_0', 'V2_0', 'V3_0'] };
  }
}
module.exports = PreTokenLambdaVersion;
