/** Entry point of `npm run tenants -- <command>`: the operator CLI over the tenant registry. */
import { join } from 'node:path';
import { runTenantsCli } from './tenants-cli';

// The SDK warns about Node 20 on every run; the CLI's output should be only its own.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const code = await runTenantsCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  localDataDir: join(process.cwd(), '.local', 'dynamodb'),
});
process.exitCode = code;
