import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionForEvent } from '../../local/event-function';
import { loadEvent } from '../support/events';

const EVENTS = join(import.meta.dirname, '..', '..', 'events');
const DIRECTORY_FUNCTION: Record<string, string> = {
  authorizer: 'authorizer',
  'post-confirmation': 'postConfirmation',
  'pre-sign-up': 'preSignUp',
  'pre-token-generation': 'preTokenGeneration',
};
const samples = Object.keys(DIRECTORY_FUNCTION).flatMap((directory) =>
  readdirSync(join(EVENTS, directory))
    .filter((file) => file.endsWith('.json'))
    .map((file) => [`${directory}/${file}`, DIRECTORY_FUNCTION[directory]] as const),
);

describe('replay picks the function from the event', () => {
  it.each(samples)('%s replays against %s', (path, expected) => {
    expect(functionForEvent(loadEvent(path))).toBe(expected);
  });

  it.each([
    ['no object', 'PreSignUp_SignUp'],
    ['an unknown trigger source', { triggerSource: 'CustomMessage_SignUp' }],
    ['a TOKEN event without a method ARN', { type: 'TOKEN', authorizationToken: 'x' }],
    ['an HTTP API event without a route ARN', { version: '2.0', type: 'REQUEST' }],
    ['the seed file', loadEvent('tenants.json')],
  ])('recognises nothing in %s', (_case, event) => {
    expect(functionForEvent(event)).toBeUndefined();
  });
});
