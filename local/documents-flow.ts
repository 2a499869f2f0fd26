import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Check, callApi, type LifecycleOptions, runScene } from './lifecycle';
import type { LocalStack } from './stack';
import { evaluateSession, type TemplateResources, tenantDataPolicies } from './tenant-data-policies';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The sample documents service on the local stack: a user of acme creates, reads and lists documents; a user
 * of globex gets 404 for that document id in its own tenant and 403 on acme's path. The emulators cannot
 * enforce the session tag, so the flow ends with IAM's verdicts on the packaged policies for what a globex
 * session would need to reach acme's data: they are what keeps tenants apart in AWS.
 */
export async function runDocumentsFlow(stack: LocalStack, options: LifecycleOptions = {}): Promise<Check[]> {
  return runScene(stack, options, async ({ check, run, accessToken: token }) => {
    const ann = await token(`ann.${run}@acme.example`);
    const gus = await token(`gus.${run}@globex.example`);

    const created = await callApi(stack, 'POST', '/tenants/acme/documents', ann, {
      title: 'Q3 plan',
      content: 'ship it',
    });
    const id = String((created.body as { id?: unknown })?.id ?? '(none)');
    check('documents: acme user creates a document', 201, created.status);
    const read = await callApi(stack, 'GET', `/tenants/acme/documents/${id}`, ann);
    check('documents: acme user reads it back', 'ship it', (read.body as { content?: unknown })?.content);
    const listed = await callApi(stack, 'GET', '/tenants/acme/documents?limit=10', ann);
    const ids = ((listed.body as { documents?: { id: string }[] })?.documents ?? []).map((document) => document.id);
    check('documents: acme user lists it', true, ids.includes(id));
    const elsewhere = await callApi(stack, 'GET', `/tenants/globex/documents/${id}`, gus);
    check("documents: globex user, acme's id in globex", 404, elsewhere.status);
    const crossPath = await callApi(stack, 'GET', `/tenants/acme/documents/${id}`, gus);
    check("documents: globex user on acme's path", 403, crossPath.status);

    for (const verdict of await crossTenantVerdicts(id)) check(verdict.step, 'ImplicitlyDenied', verdict.verdict);
  });
}

/**
 * IAM's verdicts, from the policies `serverless print` resolves (the statements `npm run package` emits), for
 * a session tagged `globex` reaching acme's data: a `GetItem` on acme's partition, a `Scan`, and a `GetObject`
 * under acme's prefix.
 */
async function crossTenantVerdicts(documentId: string): Promise<{ step: string; verdict: string }[]> {
  const policies = tenantDataPolicies(await printedResources());
  const session = (action: string, resource: string, context: Record<string, string[]> = {}) =>
    evaluateSession(policies, { tenantId: 'globex', action, resource, context });
  return [
    {
      step: "IAM: globex session GetItem on acme's partition",
      verdict: await session('dynamodb:GetItem', policies.tableArn, { 'dynamodb:LeadingKeys': ['acme'] }),
    },
    {
      step: 'IAM: globex session Scan of the tenant table',
      verdict: await session('dynamodb:Scan', policies.tableArn),
    },
    {
      step: "IAM: globex session GetObject under acme's prefix",
      verdict: await session('s3:GetObject', `${policies.bucketArn}/acme/documents/${documentId}`),
    },
  ];
}

async function printedResources(): Promise<TemplateResources> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(root, 'node_modules', 'serverless', 'bin', 'serverless.js'), 'print', '--stage', 'prod', '--format', 'json'],
    { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, maxBuffer: 16 * 1024 * 1024 },
  );
  return (JSON.parse(stdout) as { resources: { Resources: TemplateResources } }).resources.Resources;
}
