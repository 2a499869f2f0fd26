import { isRecord } from '../runtime/is-record';
import type { AuthorizationRequest } from './authorize';

/** Which API Gateway event arrived: REST `TOKEN`, REST `REQUEST` (and HTTP API payload 1.0), HTTP API 2.0. */
export type AuthorizerEventShape = 'token' | 'request' | 'http';

/** An authorizer event read into the request the decision needs, and the shape the answer must take. */
export interface AuthorizerEvent {
  readonly shape: AuthorizerEventShape;
  readonly request: AuthorizationRequest;
}

/**
 * Recognises the three event shapes; `undefined` for anything else. Values are passed on unchecked
 * (`unknown`): `Authorizer.authorize` validates every one of them, so a tampered event is refused there.
 */
export function readAuthorizerEvent(event: unknown): AuthorizerEvent | undefined {
  if (!isRecord(event)) return undefined;
  if (event.type === 'TOKEN') {
    return { shape: 'token', request: { authorization: event.authorizationToken, methodArn: event.methodArn } };
  }
  if (event.type !== 'REQUEST') return undefined;
  if (event.version === '2.0') {
    return {
      shape: 'http',
      request: {
        authorization: authorizationHeader(event.headers),
        methodArn: event.routeArn,
        pathParameters: event.pathParameters,
        path: event.rawPath,
      },
    };
  }
  return {
    shape: 'request',
    request: {
      authorization: authorizationHeader(event.headers, event.multiValueHeaders),
      methodArn: event.methodArn,
      pathParameters: event.pathParameters,
      path: event.path,
    },
  };
}

/**
 * The `Authorization` header, looked up without regard to case (API Gateway lowercases HTTP API headers,
 * serverless-offline keeps them as sent). Several values — two differently-cased headers, or a repeated
 * header in `multiValueHeaders` — make the request malformed (`undefined`) rather than picking one.
 */
export function authorizationHeader(headers: unknown, multiValueHeaders?: unknown): unknown {
  const values: unknown[] = [];
  if (isRecord(headers)) {
    for (const [name, value] of Object.entries(headers)) {
      if (name.toLowerCase() === 'authorization' && value !== undefined && value !== null) values.push(value);
    }
  }
  if (isRecord(multiValueHeaders)) {
    for (const [name, value] of Object.entries(multiValueHeaders)) {
      if (name.toLowerCase() === 'authorization' && Array.isArray(value) && value.length > 1) return undefined;
    }
  }
  return values.length === 1 ? values[0] : undefined;
}
