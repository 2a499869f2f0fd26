import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authorizationHeader, readAuthorizerEvent } from '../../shared/authorizer/authorizer-event';
import { loadEvent } from '../support/events';

const TOKEN = 'Bearer PLACEHOLDER.TOKEN.MINTED-BY-TESTS';
const ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/tenants/acme/me';

describe('reading an authorizer event', () => {
  it('reads a REST TOKEN event into its token and method ARN', () => {
    // Prepare
    const event = loadEvent('authorizer/rest-token.json');

    // Act
    const read = readAuthorizerEvent(event);

    // Assess
    expect(read).toEqual({ shape: 'token', request: { authorization: TOKEN, methodArn: ARN } });
  });

  it('reads a REST REQUEST event into its header, method ARN, path parameters and path', () => {
    // Prepare
    const event = loadEvent('authorizer/rest-request.json');

    // Act
    const read = readAuthorizerEvent(event);

    // Assess
    expect(read).toEqual({
      shape: 'request',
      request: { authorization: TOKEN, methodArn: ARN, pathParameters: { tenantId: 'acme' }, path: '/tenants/acme/me' },
    });
  });

  it('reads an HTTP API 2.0 event from its route ARN and raw path, ignoring any methodArn it carries', () => {
    // Prepare
    const event = loadEvent('authorizer/http-v2.json');
    event.methodArn = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/tenants/globex/me';

    // Act
    const read = readAuthorizerEvent(event);

    // Assess
    expect(read?.shape).toBe('http');
    expect(read?.request).toMatchObject({ authorization: TOKEN, methodArn: ARN, path: '/prod/tenants/acme/me' });
  });

  it.each([
    ['null', null],
    ['an array', [loadEvent('authorizer/rest-token.json')]],
    ['a string', 'TOKEN'],
    ['an event of another type', { ...loadEvent('authorizer/rest-token.json'), type: 'token' }],
    ['an event without a type', { authorizationToken: TOKEN, methodArn: ARN }],
  ])('recognises no request in %s', (_case, event) => {
    // Act & Assess
    expect(readAuthorizerEvent(event)).toBeUndefined();
  });

  it('never throws and never invents a token, whatever JSON arrives', () => {
    // Act & Assess
    fc.assert(
      fc.property(fc.jsonValue(), (event) => {
        const read = readAuthorizerEvent(event);
        if (read === undefined) return;
        const source = event as Record<string, unknown>;
        const sent = [source.authorizationToken, ...Object.values((source.headers as object | null) ?? {})];
        expect(read.request.authorization === undefined || sent.includes(read.request.authorization)).toBe(true);
      }),
    );
  });
});

describe('the Authorization header', () => {
  it.each([
    ['lower case', { authorization: TOKEN }],
    ['as sent', { Authorization: TOKEN }],
    ['upper case', { AUTHORIZATION: TOKEN }],
  ])('is found in %s', (_case, headers) => {
    // Act & Assess
    expect(authorizationHeader(headers)).toBe(TOKEN);
  });

  it('is missing when two differently-cased headers carry it, rather than picking one', () => {
    // Act & Assess
    expect(authorizationHeader({ authorization: TOKEN, Authorization: 'Bearer other' })).toBeUndefined();
  });

  it('is missing when multiValueHeaders repeats it, even if headers holds one value', () => {
    // Act & Assess
    expect(authorizationHeader({ Authorization: TOKEN }, { Authorization: [TOKEN, 'Bearer other'] })).toBeUndefined();
  });

  it('is read from headers when multiValueHeaders holds it once', () => {
    // Act & Assess
    expect(authorizationHeader({ Authorization: TOKEN }, { Authorization: [TOKEN], Accept: ['a', 'b'] })).toBe(TOKEN);
  });

  it.each([
    ['headers that are not an object', 'authorization: Bearer x'],
    ['headers that are an array', [TOKEN]],
    ['a null header value', { authorization: null }],
    ['no header at all', { accept: 'application/json' }],
  ])('is missing for %s', (_case, headers) => {
    // Act & Assess
    expect(authorizationHeader(headers, null)).toBeUndefined();
  });
});
