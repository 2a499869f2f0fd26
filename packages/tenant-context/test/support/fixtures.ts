import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** The API Gateway event fixtures: a REST API proxy event and HTTP API events of payload 1.0 and 2.0. */
export const EVENT_FIXTURES = ['rest-proxy.json', 'http-v1.json', 'http-v2.json'] as const;
export type EventFixture = (typeof EVENT_FIXTURES)[number];

/** A fixture event as JSON, edited freely by the tests. */
// biome-ignore lint/suspicious/noExplicitAny: API Gateway event JSON, tampered with freely by the tests.
export type FixtureEvent = Record<string, any>;

/** A fresh copy of a fixture event, so a test may tamper with it. */
export function loadEvent(name: EventFixture): FixtureEvent {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

/** The authorizer context inside a fixture event (flat for REST, under `lambda` for HTTP APIs). */
export function contextOf(event: FixtureEvent): Record<string, unknown> {
  const authorizer = event.requestContext.authorizer;
  return event.version === undefined ? authorizer : authorizer.lambda;
}
