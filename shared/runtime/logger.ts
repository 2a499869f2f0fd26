import { JsonLogger } from './json-logger';
import { observabilityConfigFromEnv } from './observability-config';

/**
 * The suite's logger, created once per container (`JsonLogger`): its level and service name are read here, at
 * cold start (`POWERTOOLS_SERVICE_NAME` is set per function in serverless.yml), and a bad level stops the
 * function. Never log whole events or tokens: they carry e-mail addresses and JWTs. Per-invocation keys are
 * added with `appendKeys` and removed with `resetKeys()` at the start of every invocation.
 */
export const logger = new JsonLogger(observabilityConfigFromEnv(process.env, 'cognito-tenancy'));
