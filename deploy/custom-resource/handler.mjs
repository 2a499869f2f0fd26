/**
 * Entry of the attach-mode custom resource, bundled by the deploy plugin into osls's custom-resource zip as
 * `cognito-user-pool/handler.js`. It builds the clients once per container and hands each CloudFormation event
 * to `userPoolTriggers`; osls's `utils.js` (left in the zip, not bundled) answers CloudFormation and logs the
 * answer.
 */

import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { userPoolTriggers } from './user-pool-triggers.mjs';

// osls's helpers, beside this file in the zip (external to the bundle).
const { getEnvironment, handlerWrapper } = require('../utils');

/** One JSON line per step in the function's own log group: what it is about to do, to which pool. */
const log = (message, fields) => console.log(JSON.stringify({ level: 'INFO', message, ...fields }));

let triggers;

async function handle(event, context) {
  const environment = getEnvironment(context);
  // Clients of the region the function runs in: the plugin refuses a pool id of another region.
  triggers ??= userPoolTriggers({
    cognito: new CognitoIdentityProviderClient({ region: environment.Region, maxAttempts: 5 }),
    lambda: new LambdaClient({ region: environment.Region, maxAttempts: 5 }),
    log,
  });
  try {
    return await triggers.handle(event, environment);
  } catch (error) {
    console.log(JSON.stringify({ level: 'ERROR', message: `${event.RequestType} failed`, error: String(error) }));
    throw error;
  }
}

export const handler = handlerWrapper(handle, 'CustomResourceExistingCognitoUserPool');
