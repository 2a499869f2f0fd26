import type { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The suite's Powertools tracer, loaded only when `POWERTOOLS_TRACE_ENABLED=true` (serverless.yml:
 * `--param="sdkTracing=true"`); `undefined` otherwise.
 *
 * Why on demand: Powertools Tracer brings aws-xray-sdk-core, about 25 ms of module initialisation per cold
 * start on the machines here (`npm run bench -- cold` shows both), while Lambda's own active tracing already
 * records every invocation and its init phase. The tracer adds subsegments for each registry and Cognito call:
 * worth it while investigating latency, not on every cold start of a sign-in path.
 */
export async function loadTracer(env: Readonly<Record<string, string | undefined>> = process.env) {
  if (env.POWERTOOLS_TRACE_ENABLED !== 'true') return undefined;
  const { Tracer } = await import('@aws-lambda-powertools/tracer');
  return new Tracer({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'cognito-tenancy' });
}

/** The SDK client, wrapped for X-Ray subsegments when a tracer is loaded. */
export function traced<C>(tracer: Tracer | undefined, client: C): C {
  return tracer === undefined ? client : tracer.captureAWSv3Client(client);
}

/**
 * The handler, traced with Powertools' own `captureLambdaHandler` when a tracer is loaded: a `## <handler>`
 * subsegment with the cold-start and service annotations, errors as metadata, and Powertools' guard around
 * closing the subsegment. The response is not recorded: a trigger returns its whole event, user attributes
 * included, which do not belong in traces.
 */
export function tracedHandler<E, R>(
  tracer: Tracer | undefined,
  handler: (event: E) => Promise<R>,
): (event: E) => Promise<R> {
  if (tracer === undefined) return handler;
  // The decorator form applied by hand: `tracer` is loaded on demand, after class definitions are evaluated.
  const decorate = tracer.captureLambdaHandler({ captureResponse: false }) as unknown as (
    target: unknown,
    key: string,
    descriptor: { value: (event: E) => Promise<R> },
  ) => void;
  const descriptor = { value: handler };
  decorate({ handler }, 'handler', descriptor);
  return descriptor.value;
}
