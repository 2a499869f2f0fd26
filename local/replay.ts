/**
 * `npm run replay -- <event.json> [--tenants <seed.json>] [--self-service]`: replays a sample event through
 * the local stack. The function is picked from the event (trigger source or authorizer shape) and invoked
 * through serverless-offline's Lambda endpoint, as Cognito or API Gateway would; the registry is seeded from
 * `events/tenants.json` (or `--tenants`), and a post-confirmation event's user is created in cognito-local
 * first. The response goes to stdout as JSON (pipe it to jq: `npm run --silent replay -- … | jq`, as npm prints
 * its own banner on stdout otherwise); a refusal prints its message on stderr and exits 1; bad usage exits 2; a
 * local stack that fails to start or to answer exits 3. Whatever ends the run — success, refusal, failure, a
 * closed pipe (EPIPE) or a signal — the stack is stopped and its temporary folders removed.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { SeedUser } from './cognito-local';
import { functionForEvent } from './event-function';
import { type LocalStack, startLocalStack } from './stack';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const USAGE = 'usage: npm run replay -- <event.json> [--tenants <seed.json>] [--self-service]';
const POOL_ID = /^[a-z]{2}(?:-[a-z]+)+-\d_[0-9A-Za-z]+$/;

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { tenants: { type: 'string' }, 'self-service': { type: 'boolean' }, help: { type: 'boolean' } },
  });
}
try {
  args = parse();
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`, 2);
}
if (args.values.help) fail(USAGE, 0);
const [file, ...extra] = args.positionals;
if (file === undefined || extra.length > 0) fail(USAGE, 2);

let event: Record<string, unknown>;
try {
  event = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  fail(`cannot read ${file}: ${(error as Error).message}`, 2);
}
const fn = functionForEvent(event);
if (fn === undefined) fail(`${file} is not a Cognito trigger or API Gateway authorizer event`, 2);

// Post confirmation acts on an existing user: create the event's user in cognito-local as it would exist.
const users: SeedUser[] = [];
const attributes = (event.request as { userAttributes?: Record<string, string> } | undefined)?.userAttributes;
if (fn === 'postConfirmation' && typeof event.userName === 'string' && attributes !== undefined) {
  const stored = Object.fromEntries(Object.entries(attributes).filter(([name]) => !name.startsWith('cognito:')));
  users.push({ username: event.userName, attributes: stored });
}
const userPoolId =
  typeof event.userPoolId === 'string' && POOL_ID.test(event.userPoolId) ? event.userPoolId : undefined;

/** Exit codes: 1 is the function's refusal, 2 bad usage; a local stack that failed is neither. */
const STACK_FAILED = 3;
// Started before any exit path is wired, so a signal during the start still stops what it started: stop()
// waits for the start to finish (or fail, when it has already cleaned up) and then stops the stack.
const starting: Promise<LocalStack> = startLocalStack({
  ...(args.values.tenants === undefined ? {} : { seedFile: args.values.tenants }),
  selfService: args.values['self-service'] === true,
  ...(userPoolId === undefined ? {} : { userPoolId }),
  users,
  log: (line) => process.stderr.write(`${line}\n`),
});
let stopping: Promise<void> | undefined;

/** Stops the stack, once whichever exit path asks first, also while it is still starting. */
function stop(): Promise<void> {
  stopping ??= starting.then(
    (stack) => stack.stop().catch(() => {}),
    () => {},
  );
  return stopping;
}

/** Stops the stack, then exits with `code` (closed pipe, signal, failed start). */
function finish(code: number): void {
  void stop().then(() => process.exit(code));
}

// `| jq`, `| head`: a reader that goes away is not an error of the replay; stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') finish(process.exitCode === undefined ? 0 : Number(process.exitCode));
  else {
    process.stderr.write(`cannot write the response: ${error.message}\n`);
    finish(STACK_FAILED);
  }
});
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  process.once(signal, () => finish(code));
}

let stack: LocalStack | undefined;
try {
  stack = await starting;
} catch (error) {
  process.stderr.write(`local stack failed to start: ${(error as Error).message}\n`);
  finish(STACK_FAILED);
}
// A signal or closed pipe during the start has already asked for the stop: invoke nothing on a stopping stack.
if (stack !== undefined && stopping === undefined) {
  let code = 0;
  try {
    process.stderr.write(`invoking ${fn}\n`);
    const result = await stack.invoke(fn, event);
    if (result.ok) {
      process.stdout.write(`${JSON.stringify(result.payload, null, 2)}\n`);
    } else {
      process.stderr.write(`refused: ${result.error}\n`);
      code = 1;
    }
  } catch (error) {
    process.stderr.write(`local stack failed: ${fn} could not be invoked (${(error as Error).message})\n`);
    code = STACK_FAILED;
  }
  await stop();
  process.exitCode = code;
}
