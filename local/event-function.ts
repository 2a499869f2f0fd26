/** The functions of serverless.yml that events can be replayed against. */
export type ReplayFunction = 'preSignUp' | 'postConfirmation' | 'preTokenGeneration' | 'authorizer';

const TRIGGER_PREFIXES: readonly [string, ReplayFunction][] = [
  ['PreSignUp_', 'preSignUp'],
  ['PostConfirmation_', 'postConfirmation'],
  ['TokenGeneration_', 'preTokenGeneration'],
];

/**
 * Which function handles an event: Cognito trigger events by their `triggerSource`, API Gateway authorizer
 * events by their shape (REST `TOKEN`/`REQUEST` with a `methodArn`, HTTP API payload 2.0 with a `routeArn`).
 * `undefined` when the event is none of these.
 */
export function functionForEvent(event: unknown): ReplayFunction | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const { triggerSource, type, methodArn, routeArn, version } = event as Record<string, unknown>;
  if (typeof triggerSource === 'string') {
    return TRIGGER_PREFIXES.find(([prefix]) => triggerSource.startsWith(prefix))?.[1];
  }
  if ((type === 'TOKEN' || type === 'REQUEST') && typeof methodArn === 'string') return 'authorizer';
  if (version === '2.0' && type === 'REQUEST' && typeof routeArn === 'string') return 'authorizer';
  return undefined;
}
