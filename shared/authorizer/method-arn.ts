import { isCanonicalPath } from './request-path';

/** A parsed `execute-api` method ARN (REST `methodArn`, HTTP API `routeArn`). */
export interface MethodArn {
  /** The ARN as received. */
  readonly value: string;
  /** `arn:aws:execute-api:region:account:apiId/stage/` — every resource of one policy starts with it. */
  readonly prefix: string;
  /** What follows the prefix: `GET/tenants/acme/me` (method, then the request path without its leading `/`). */
  readonly resource: string;
}

// Partition, region, account, API id, then a stage ($default included) — none with wildcard characters.
// Account and API id are not pinned to AWS's formats: serverless-offline sends `random-account-id` and
// `random-api-id`, and all that matters for safety is that the prefix cannot match another API or stage.
const METHOD_ARN =
  /^(arn:aws(?:-[a-z]+)*:execute-api:[a-z0-9-]+:[A-Za-z0-9-]+:[A-Za-z0-9-]+\/[^/*?\s]+\/)([A-Z]+\/.*)$/;
const MAX_LENGTH = 4096;

/**
 * Parses a method ARN: `arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/tenants/acme/me`.
 * Returns `undefined` for anything else: the prefix must not contain IAM wildcards, or a policy built on it
 * would cover other APIs or stages, nor a stage that is not a canonical path segment (`request-path.ts`).
 */
export function parseMethodArn(value: unknown): MethodArn | undefined {
  if (typeof value !== 'string' || value.length > MAX_LENGTH) return undefined;
  const match = METHOD_ARN.exec(value);
  if (match === null) return undefined;
  const [, prefix = '', resource = ''] = match;
  // The policy's canonical-path Denies are written without the prefix (`nonCanonicalResources`): that is exact
  // only while the prefix itself holds nothing they match. API Gateway's stage names never do.
  if (!isCanonicalPath(`/${prefix.slice(prefix.indexOf('/') + 1, -1)}`)) return undefined;
  return { value, prefix, resource };
}

const TEMPLATE_SEGMENT = /^\{([A-Za-z_][A-Za-z0-9_]*)\+?\}$/;

/**
 * Fills route-template segments (`{tenantId}`, `{proxy+}`) of the resource with the event's path parameters.
 * API Gateway puts the concrete request path in method ARNs, so there this changes nothing; serverless-offline
 * puts the route template there (`GET/tenants/{tenantId}/me`). A value that is missing, empty or holds an IAM
 * wildcard leaves its segment as it is (and the request matches no rule). Only `resource` changes: `value`
 * stays the ARN that API Gateway evaluates the returned policy against.
 */
export function resolvePathTemplate(arn: MethodArn, pathParameters: unknown): MethodArn {
  if (!arn.resource.includes('{') || typeof pathParameters !== 'object' || pathParameters === null) return arn;
  const parameters = pathParameters as Record<string, unknown>;
  const resource = arn.resource
    .split('/')
    .map((segment) => {
      const name = TEMPLATE_SEGMENT.exec(segment)?.[1];
      const value = name === undefined ? undefined : parameters[name];
      const usable = typeof value === 'string' && value !== '' && !value.includes('*') && !value.includes('?');
      return usable ? value : segment;
    })
    .join('/');
  return { ...arn, resource };
}
