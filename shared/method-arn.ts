/** A parsed `execute-api` method ARN (REST `methodArn`, HTTP API `routeArn`). */
export interface MethodArn {
  /** The ARN as received. */
  readonly value: string;
  /** `arn:aws:execute-api:region:account:apiId/stage/` — every resource of one policy starts with it. */
  readonly prefix: string;
  /** What follows the prefix: `GET/tenants/acme/me` (method, then the request path without its leading `/`). */
  readonly resource: string;
}

// Partition, region, 12-digit account, API id, then a stage without wildcard characters ($default included).
const METHOD_ARN = /^(arn:aws(?:-[a-z]+)*:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]+\/[^/*?\s]+\/)([A-Z]+\/.*)$/;
const MAX_LENGTH = 4096;

/**
 * Parses a method ARN: `arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/tenants/acme/me`.
 * Returns `undefined` for anything else: the prefix must not contain IAM wildcards, or a policy built on it
 * would cover other APIs or stages.
 */
export function parseMethodArn(value: unknown): MethodArn | undefined {
  if (typeof value !== 'string' || value.length > MAX_LENGTH) return undefined;
  const match = METHOD_ARN.exec(value);
  if (match === null) return undefined;
  const [, prefix = '', resource = ''] = match;
  return { value, prefix, resource };
}
