/**
 * `npm run replay -- <event.json> [--tenants <seed.json>] [--self-service]`: replays a sample event through
 * the local stack. The function is picked from the event (trigger source or authorizer shape) and invoked
 * through serverless-offline's Lambda endpoint, as Cognito or API Gateway would; the registry is seeded from
 * `events/tenants.json` (or `--tenants`), and a post-confirmation event's user is created in cognito-local
 * first. The response goes to stdout as JSON (pipe it to jq: `set -o pipefail; npm run --silent replay -- … | jq`,
 * as npm prints its own banner on stdout otherwise, and without pipefail the pipe's status is jq's); a refusal
 * prints its message on stderr and exits 1; bad usage exits 2; a local stack that fails to start or to answer
 * exits 3, with nothing on stdout. Whatever ends the run — success, refusal, failure, a closed pipe (EPIPE) or a
 * signal, during start-up included — the stack is stopped and its temporary folders removed (local/stack-run.ts).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { SeedUser } from './cognito-local';
import { functionForEvent } from './event-function';
import { runWithLocalStack, STACK_FAILED } from './stack-run';

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

await runWithLocalStack(
  {
    ...(args.values.tenants === undefined ? {} : { seedFile: args.values.tenants }),
    selfService: args.values['self-service'] === true,
    ...(userPoolId === undefined ? {} : { userPoolId }),
    users,
    log: (line) => process.stderr.write(`${line}\n`),
  },
  async (stack) => {
    process.stderr.write(`invoking ${fn}\n`);
    let result: Awaited<ReturnType<typeof stack.invoke>>;
    try {
      result = await stack.invoke(fn, event);
    } catch (error) {
      process.stderr.write(`local stack failed: ${fn} could not be invoked (${(error as Error).message})\n`);
      return STACK_FAILED;
    }
    if (!result.ok) {
      process.stderr.write(`refused: ${result.error}\n`);
      return 1;
    }
    process.stdout.write(`${JSON.stringify(result.payload, null, 2)}\n`);
    return 0;
  },
);
