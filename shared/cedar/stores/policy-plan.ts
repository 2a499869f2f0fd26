import { InvalidInputError } from '../../runtime/errors';
import { loadCedar } from '../engines/cedar-module';
import type { PolicyFiles } from './policy-files';

/** One difference between the repository's policy model and a tenant's store. */
export interface PolicyChange {
  /** `replace`: delete and create, for an edit Verified Permissions cannot make in place (`withReplacements`). */
  readonly op: 'add' | 'update' | 'replace' | 'delete';
  readonly kind: 'schema' | 'policy' | 'template';
  readonly id: string;
}

/** What a store holds of the managed model: policy and template texts by id, and its schema if it keeps one. */
export interface StoreContents {
  readonly policies: Readonly<Record<string, string>>;
  readonly templates: Readonly<Record<string, string>>;
  /** Normalised schema JSON text; `undefined` for stores that keep no schema (embedded). */
  readonly schema?: string | undefined;
}

/**
 * The changes that make `actual` equal `desired`: schema first, then adds and updates, deletes last (a
 * policy is never missing while its replacement is being written). Texts compare after trimming.
 */
export function planChanges(desired: StoreContents, actual: StoreContents): PolicyChange[] {
  const changes: PolicyChange[] = [];
  if (desired.schema !== undefined && desired.schema !== actual.schema) {
    changes.push({ op: actual.schema === undefined ? 'add' : 'update', kind: 'schema', id: 'schema' });
  }
  const deletes: PolicyChange[] = [];
  for (const kind of ['template', 'policy'] as const) {
    const want = kind === 'policy' ? desired.policies : desired.templates;
    const have = kind === 'policy' ? actual.policies : actual.templates;
    for (const [id, text] of Object.entries(want)) {
      const current = have[id];
      if (current === undefined) changes.push({ op: 'add', kind, id });
      else if (current.trim() !== text.trim()) changes.push({ op: 'update', kind, id });
    }
    for (const id of Object.keys(have)) if (!(id in want)) deletes.push({ op: 'delete', kind, id });
  }
  // Policies go before templates when deleting: a template outlives nothing that names it.
  return [...changes, ...deletes.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'policy' ? -1 : 1))];
}

/**
 * What Verified Permissions can never change in place, as a comparable key: the effect, principal and resource
 * scope of a static policy or template. AVP refuses `UpdatePolicy` and `UpdatePolicyTemplate` that change them
 * ("You can't change … the effect … the principal … the resource", UpdateStaticPolicyDefinition:
 * https://docs.aws.amazon.com/verifiedpermissions/latest/apireference/API_UpdateStaticPolicyDefinition.html;
 * templates: https://docs.aws.amazon.com/verifiedpermissions/latest/userguide/policy-templates-edit.html).
 * `undefined` when the text does not parse.
 */
export async function fixedScope(kind: 'policy' | 'template', statement: string): Promise<string | undefined> {
  const cedar = await loadCedar();
  const answer = kind === 'policy' ? cedar.policyToJson(statement) : cedar.templateToJson(statement);
  if (answer.type !== 'success') return undefined;
  const { effect, principal, resource } = answer.json;
  return JSON.stringify({ effect, principal, resource });
}

/** The effect of a policy or template text (`permit` when it does not parse: treated as the riskier one). */
export async function effectOf(kind: 'policy' | 'template', statement: string): Promise<'permit' | 'forbid'> {
  const cedar = await loadCedar();
  const answer = kind === 'policy' ? cedar.policyToJson(statement) : cedar.templateToJson(statement);
  return answer.type === 'success' && answer.json.effect === 'forbid' ? 'forbid' : 'permit';
}

/**
 * Turns each `update` that changes a policy's or template's effect, principal or resource (`fixedScope`) into a
 * `replace`: Verified Permissions would refuse it in place, and the store would fail on every rerun.
 */
export async function withReplacements(
  changes: readonly PolicyChange[],
  desired: StoreContents,
  actual: StoreContents,
): Promise<PolicyChange[]> {
  const result: PolicyChange[] = [];
  for (const change of changes) {
    if (change.op !== 'update' || change.kind === 'schema') {
      result.push(change);
      continue;
    }
    const texts =
      change.kind === 'policy' ? [desired.policies, actual.policies] : [desired.templates, actual.templates];
    const [want, have] = texts.map((map) => map?.[change.id] ?? '');
    const same = (await fixedScope(change.kind, want ?? '')) === (await fixedScope(change.kind, have ?? ''));
    result.push(same ? change : { ...change, op: 'replace' });
  }
  return result;
}

/** One line per change, e.g. `update policy owner-manages-document`. */
export const describeChange = (change: PolicyChange): string => `${change.op} ${change.kind} ${change.id}`;

/**
 * Validates the repository's policies and templates against its schema (strict mode) and returns the schema
 * as JSON text with resolved types, the form Verified Permissions stores. Nothing invalid is ever rolled out.
 */
export async function validatePolicyFiles(files: PolicyFiles): Promise<string> {
  const cedar = await loadCedar();
  const answer = cedar.validate({
    schema: files.schema,
    policies: { staticPolicies: { ...files.policies }, templates: { ...files.templates } },
  });
  if (answer.type !== 'success') {
    throw new InvalidInputError(`policies do not parse: ${answer.errors.map((e) => e.message).join('; ')}`, 'policies');
  }
  if (answer.validationErrors.length > 0) {
    const first = answer.validationErrors[0];
    throw new InvalidInputError(
      `policy ${first?.policyId} does not validate against the schema: ${first?.error.message}`,
      'policies',
    );
  }
  const schema = cedar.schemaToJsonWithResolvedTypes(files.schema);
  if (schema.type !== 'success') throw new InvalidInputError('schema does not parse', 'schema');
  return normaliseSchema(JSON.stringify(schema.json));
}

/** Schema JSON with object keys sorted, so that two equal schemas compare equal as text. */
export function normaliseSchema(json: string): string {
  const sort = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sort);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, entry]) => [key, sort(entry)]),
      );
    }
    return value;
  };
  return JSON.stringify(sort(JSON.parse(json)));
}
