/**
 * `npm run demo`: starts the local stack (DynamoDB Local, s3rver, PostgreSQL, cognito-local, serverless-offline),
 * runs the tenant lifecycle, the documents service (its metadata in PostgreSQL under row level security) and
 * sharing, and prints one line per check, expected against got. Exits 1 if any check differs, 3 (with nothing
 * on stdout) if the local stack cannot start; Ctrl-C at any point, start-up included, stops the stack and removes
 * its temporary folders (local/stack-run.ts) and exits 130.
 */
import { runDocumentsFlow } from './documents-flow';
import { type Check, DEMO_CODE, runLifecycle } from './lifecycle';
import { runMembershipsFlow } from './memberships-flow';
import { runPostgresDocumentsFlow } from './postgres-documents-flow';
import { runSharingFlow } from './sharing-flow';
import { runWithLocalStack } from './stack-run';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const log = (line: string) => process.stderr.write(`${line}\n`);
const options = { selfService: true, code: DEMO_CODE, tenantCacheSeconds: 0, postgres: true, log };
await runWithLocalStack(options, async (stack) => {
  let failed = 0;
  try {
    console.log('\ncognito-tenancy lifecycle on the local stack\n');
    const onCheck = (check: Check) => {
      if (!check.ok) failed++;
      const mark = check.ok ? 'ok  ' : 'FAIL';
      console.log(`${mark} ${check.step.padEnd(48)} expected ${check.expected.padEnd(34)} got ${check.got}`);
    };
    const checks = await runLifecycle(stack, { onCheck });
    console.log('\nsample documents service (tenant-scoped credentials; metadata in PostgreSQL)\n');
    checks.push(...(await runDocumentsFlow(stack, { onCheck })));
    console.log('\ndocuments in PostgreSQL: two tenants, row level security (docs/postgresql.md)\n');
    checks.push(...(await runPostgresDocumentsFlow(stack, { onCheck })));
    console.log('\nsharing, decided by Cedar (embedded engine)\n');
    checks.push(...(await runSharingFlow(stack, { onCheck })));
    console.log('\nmemberships: several tenants, switching, role changes and removal at the API\n');
    checks.push(...(await runMembershipsFlow(stack, { onCheck })));
    console.log(`\n${checks.length - failed} passed, ${failed} failed`);
    // What the registry recorded about the demo tenant: the seed, the sign-up, the suspension and its end.
    const { entries } = await stack.registry.listAudit('acme', { limit: 100 });
    console.log('\naudit trail of tenant acme, newest first (npm run tenants -- audit acme)\n');
    // One line per entry, formatted here: the local stack stays independent of the CLI (ARCHITECTURE.md "Imports
    // run one way").
    const print = (list: typeof entries) => {
      for (const e of list) console.log(`${e.at}  ${e.action.padEnd(20)} ${e.reason.padEnd(24)} ${e.sub ?? '-'}`);
    };
    print(entries);
    const globex = await stack.registry.listAudit('globex', { limit: 100 });
    console.log('\naudit trail of tenant globex, newest first (npm run tenants -- audit globex)\n');
    print(globex.entries);
  } catch (error) {
    failed++;
    console.error(`demo stopped: ${error instanceof Error ? error.message : String(error)}`);
  }
  return failed === 0 ? 0 : 1;
});
