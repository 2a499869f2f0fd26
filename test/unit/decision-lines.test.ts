import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coldStart } from '../support/cold-start';
import { emfViolations, METRICS_ON } from '../support/emf';

// Settings every function validates at cold start; every client points at a closed local port.
const ENV = {
  ...METRICS_ON,
  POWERTOOLS_LOG_LEVEL: 'INFO',
  TENANCY_TABLE_NAME: 'registry',
  TENANCY_USER_POOL_IDS: 'us-east-1_Lines1',
  TENANCY_CLIENT_IDS: 'linesclient',
  TENANCY_JWKS_URI: 'http://127.0.0.1:9/{userPoolId}/.well-known/jwks.json',
  AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: 'http://127.0.0.1:9',
};

type AnyHandler = (event: unknown) => Promise<unknown>;

// Each function with an event it decides on without any I/O: a refusal (or `Unauthorized`), counted and logged.
const FUNCTIONS: readonly [string, () => Promise<AnyHandler>, unknown, Record<string, string>][] = [
  [
    'pre-sign-up',
    async () => (await import('../../functions/pre-sign-up')).handler as AnyHandler,
    { triggerSource: 'PreSignUp_SignUp' },
    { outcome: 'refused', reason: 'invalid-input', level: 'WARN', message: 'sign-up refused' },
  ],
  [
    'post-confirmation',
    async () => (await import('../../functions/post-confirmation')).handler as AnyHandler,
    { triggerSource: 'PostConfirmation_ConfirmSignUp' },
    { outcome: 'refused', reason: 'invalid-input', level: 'WARN', message: 'sign-up refused' },
  ],
  [
    'pre-token-generation',
    async () => (await import('../../functions/pre-token-generation')).handler as AnyHandler,
    { triggerSource: 'TokenGeneration_Authentication' },
    {
      outcome: 'refused',
      reason: 'invalid-input',
      level: 'WARN',
      message: 'token refused',
      // Appended to the logger by the trigger: the decision line carries the logger's keys.
      triggerSource: 'TokenGeneration_Authentication',
    },
  ],
  [
    'authorizer',
    async () => (await import('../../functions/authorizer')).handler as AnyHandler,
    { type: 'NOT_AN_AUTHORIZER_EVENT' },
    { outcome: 'unauthorized', reason: 'unsupported-event', level: 'INFO', message: 'request refused' },
  ],
];

// The settings a function reads: read at cold start, never while it answers.
const SETTING = /^(TENANCY_|POWERTOOLS_|AWS_LAMBDA_LOG_LEVEL$|LOG_LEVEL$)/;

/** Runs `act` with stdout captured and `process.env` counting reads of settings; returns both. */
async function observe(act: () => Promise<unknown>) {
  const lines: string[] = [];
  const reads: string[] = [];
  const env = process.env;
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  process.env = new Proxy(env, {
    get(target, name, receiver) {
      if (typeof name === 'string' && SETTING.test(name)) reads.push(name);
      return Reflect.get(target, name, receiver);
    },
  });
  try {
    await act().catch(() => undefined);
  } finally {
    process.env = env;
    write.mockRestore();
  }
  return { lines, reads };
}

// The authorizer's JWKS fetch at cold start fails (closed port) and warns on standard error: kept out of the output.
beforeEach(() => {
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());
afterAll(() => vi.unstubAllEnvs());

describe.each(FUNCTIONS)('the %s function', (service, load, event, expected) => {
  it('writes each decision as one valid EMF line that is also its log line, with one write', async () => {
    // Prepare
    const handler = await coldStart(load, ENV);

    // Act
    const { lines } = await observe(() => handler(structuredClone(event)));

    // Assess: each captured chunk is one write
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(emfViolations(line)).toEqual([]);
    expect(JSON.parse(line)).toMatchObject({
      ...expected,
      service,
      tier: 'none',
      Decisions: 1,
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('reads no setting from the environment while it answers: all were read once, at cold start', async () => {
    // Prepare
    const handler = await coldStart(load, ENV);

    // Act
    const first = await observe(() => handler(structuredClone(event)));
    const second = await observe(() => handler(structuredClone(event)));

    // Assess
    expect(first.reads).toEqual([]);
    expect(second.reads).toEqual([]);
    expect(second.lines).toHaveLength(1);
  });

  it('writes only the metric for a decision line below the log level', async () => {
    // Prepare
    const handler = await coldStart(load, { ...ENV, POWERTOOLS_LOG_LEVEL: 'ERROR' });

    // Act
    const { lines } = await observe(() => handler(structuredClone(event)));

    // Assess
    expect(lines).toHaveLength(1);
    expect(emfViolations(lines[0] ?? '')).toEqual([]);
    expect(JSON.parse(lines[0] ?? '{}')).not.toHaveProperty('message');
  });
});
