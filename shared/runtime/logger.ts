import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The suite's Powertools logger, created once per container. The service name comes from
 * `POWERTOOLS_SERVICE_NAME` (set per function in serverless.yml). Never log whole events or tokens: they
 * carry e-mail addresses and JWTs. Per-invocation keys are added with `appendKeys` and removed with
 * `resetKeys()` at the start of every invocation.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cognito-tenancy' });
