import { Tracer } from '@aws-lambda-powertools/tracer';

/** The suite's Powertools tracer (X-Ray), created once per container; off with `POWERTOOLS_TRACE_ENABLED=false`. */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cognito-tenancy' });
