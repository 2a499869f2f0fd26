import {
  BatchIsAuthorizedCommand,
  type BatchIsAuthorizedInput,
  ConflictException,
  CreatePolicyCommand,
  type CreatePolicyInput,
  CreatePolicyStoreAliasCommand,
  type CreatePolicyStoreAliasInput,
  CreatePolicyStoreCommand,
  type CreatePolicyStoreInput,
  CreatePolicyTemplateCommand,
  type CreatePolicyTemplateInput,
  DeletePolicyCommand,
  DeletePolicyTemplateCommand,
  GetPolicyCommand,
  GetPolicyStoreAliasCommand,
  GetPolicyTemplateCommand,
  GetSchemaCommand,
  IsAuthorizedCommand,
  type IsAuthorizedInput,
  ListPoliciesCommand,
  ListPolicyTemplatesCommand,
  PutSchemaCommand,
  ResourceNotFoundException,
  UpdatePolicyCommand,
  UpdatePolicyTemplateCommand,
  ValidationException,
  VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import type { PolicySet } from '@cedar-policy/cedar-wasm/web';
import { mockClient } from 'aws-sdk-client-mock';
import { loadCedar } from '../../shared/cedar/engines/cedar-module';
import { fixedScope } from '../../shared/cedar/stores/policy-plan';

interface FakePolicy {
  policyId: string;
  name?: string;
  statement?: string;
  templateId?: string;
  principal?: { entityType?: string; entityId?: string };
  resource?: { entityType?: string; entityId?: string };
}

interface FakeStore {
  policyStoreId: string;
  description?: string;
  tags: Record<string, string>;
  schema?: string;
  policies: Map<string, FakePolicy>;
  templates: Map<string, { policyTemplateId: string; name?: string; statement: string }>;
}

const notFound = (what: string) =>
  new ResourceNotFoundException({
    message: `${what} not found`,
    $metadata: {},
    resourceId: what,
    resourceType: 'POLICY',
  });

const invalid = (message: string) => new ValidationException({ message, $metadata: {}, fieldList: [] });

/**
 * One page of a List call as Verified Permissions pages it: `maxResults` from 1 to 50, 10 when not given
 * (ListPolicies, ListPolicyTemplates: "defaults to 10 … You can specify a maximum of 50",
 * https://docs.aws.amazon.com/verifiedpermissions/latest/apireference/API_ListPolicies.html), and a `nextToken`
 * only while more items follow.
 */
function page<T>(
  items: readonly T[],
  input: { maxResults?: number; nextToken?: string },
): { items: T[]; nextToken?: string } {
  const size = input.maxResults ?? 10;
  if (!Number.isInteger(size) || size < 1 || size > 50) throw invalid(`maxResults ${size} is not from 1 to 50`);
  const start = input.nextToken === undefined ? 0 : Number(input.nextToken);
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw invalid('invalid nextToken');
  const end = start + size;
  return { items: items.slice(start, end), ...(end < items.length ? { nextToken: String(end) } : {}) };
}

/**
 * Verified Permissions refuses an update that changes the effect, principal or resource of a static policy
 * (UpdateStaticPolicyDefinition: "You can't change … The effect (permit or forbid) of the policy. The principal
 * referenced by the policy. The resource referenced by the policy.",
 * https://docs.aws.amazon.com/verifiedpermissions/latest/apireference/API_UpdateStaticPolicyDefinition.html) or
 * of a policy template (UpdatePolicyTemplate, same three elements,
 * https://docs.aws.amazon.com/verifiedpermissions/latest/apireference/API_UpdatePolicyTemplate.html).
 */
async function refuseScopeChange(kind: 'policy' | 'template', before: string, after: string): Promise<void> {
  if ((await fixedScope(kind, before)) === (await fixedScope(kind, after))) return;
  throw new ValidationException({
    message: `the effect, principal or resource of a ${kind} cannot be updated`,
    $metadata: {},
    fieldList: [],
  });
}

/** BatchIsAuthorized takes 1 to 30 requests (API_BatchIsAuthorized.html, Request Parameters: `requests`). */
export const BATCH_MAX_REQUESTS = 30;

/**
 * The documented rules of a BatchIsAuthorized request
 * (https://docs.aws.amazon.com/verifiedpermissions/latest/apireference/API_BatchIsAuthorized.html): "The requests
 * of a BatchIsAuthorized API request can contain up to 30 requests" (and at least one), and "Either the
 * principal or the resource parameter must be identical across all requests".
 */
function refuseBatch(input: BatchIsAuthorizedInput): void {
  const requests = input.requests ?? [];
  if (requests.length < 1 || requests.length > BATCH_MAX_REQUESTS) {
    throw invalid(`requests must hold 1 to ${BATCH_MAX_REQUESTS} items, not ${requests.length}`);
  }
  const same = (key: 'principal' | 'resource') =>
    new Set(requests.map((request) => JSON.stringify([request[key]?.entityType, request[key]?.entityId]))).size === 1;
  if (!same('principal') && !same('resource')) {
    throw invalid('either the principal or the resource must be identical across all requests');
  }
}

/**
 * An in-memory Verified Permissions behind `aws-sdk-client-mock`, keeping the rules the sync relies on: names
 * are unique per store, ids are assigned by the service, a template with links cannot be deleted, an update
 * cannot change a policy's or template's effect, principal or resource (`refuseScopeChange`), names may be
 * used in place of ids, List calls page (`page`), `CreatePolicyStore` returns the same store for a repeated
 * client token with the same parameters and refuses one with other parameters (the eight-hour expiry is not
 * modelled: a test is shorter), and policy store aliases follow `CreatePolicyStoreAlias` (prefix
 * `policy-store-alias/`, pattern, unique per account, idempotent for the same store, `ConflictException` for
 * another, `ResourceNotFoundException` for an unknown store,
 * https://docs.aws.amazon.com/verifiedpermissions/latest/apireference/API_CreatePolicyStoreAlias.html).
 * `IsAuthorized` and `BatchIsAuthorized` evaluate what the store holds (its static policies, templates and
 * template-linked policies) with cedar-wasm; a batch breaking the documented rules is refused (`refuseBatch`).
 * `failOn` makes one write fail, to test re-runs after partial failures.
 */
export class FakeAvp {
  readonly stores = new Map<string, FakeStore>();
  /** Alias name → policy store id. */
  readonly aliases = new Map<string, string>();
  /** Aliases deleted and not yet gone: `GetPolicyStoreAlias` says `PendingDeletion`, creating one again fails. */
  readonly pendingDeletion = new Set<string>();
  /** Client token → the parameters it was first sent with and the store it created. */
  readonly #tokens = new Map<string, { parameters: string; policyStoreId: string }>();
  readonly mock: ReturnType<typeof mockClient>;
  writes = 0;
  /** The size of every BatchIsAuthorized call answered, in order. */
  readonly batches: number[] = [];
  /** Fail the n-th write (1-based) once, as a throttled or dropped call would. */
  failOnWrite: number | undefined;
  #ids = 0;

  constructor() {
    // biome-ignore lint/suspicious/noExplicitAny: the stub's generics are not needed by the fake.
    const mock: any = mockClient(VerifiedPermissionsClient);
    this.mock = mock;
    const write =
      <I>(handler: (input: I) => object) =>
      async (input: I) => {
        this.writes++;
        if (this.failOnWrite === this.writes) {
          this.failOnWrite = undefined;
          throw new Error('ThrottlingException');
        }
        return handler(input);
      };
    mock.on(CreatePolicyStoreCommand).callsFake(
      write((input: CreatePolicyStoreInput) => {
        const { clientToken, ...parameters } = input;
        const earlier = clientToken === undefined ? undefined : this.#tokens.get(clientToken);
        if (earlier !== undefined) {
          if (earlier.parameters !== JSON.stringify(parameters)) {
            throw new ConflictException({ message: 'client token reused', $metadata: {}, resources: [] });
          }
          return { policyStoreId: earlier.policyStoreId };
        }
        const policyStoreId = this.#id('PS');
        this.stores.set(policyStoreId, {
          policyStoreId,
          description: input.description,
          tags: { ...input.tags },
          policies: new Map(),
          templates: new Map(),
        });
        if (clientToken !== undefined)
          this.#tokens.set(clientToken, { parameters: JSON.stringify(parameters), policyStoreId });
        return { policyStoreId };
      }),
    );
    mock.on(CreatePolicyStoreAliasCommand).callsFake(
      write((input: CreatePolicyStoreAliasInput) => {
        const aliasName = input.aliasName ?? '';
        if (!aliasName.startsWith('policy-store-alias/') || !/^[a-zA-Z0-9\-/_]{0,150}$/.test(aliasName)) {
          throw invalid(`invalid alias name ${aliasName}`);
        }
        this.store(input.policyStoreId ?? '');
        const current = this.aliases.get(aliasName);
        if (this.pendingDeletion.has(aliasName) || (current !== undefined && current !== input.policyStoreId)) {
          throw new ConflictException({ message: 'alias names another store', $metadata: {}, resources: [] });
        }
        this.aliases.set(aliasName, input.policyStoreId ?? '');
        return { aliasName, policyStoreId: input.policyStoreId };
      }),
    );
    mock.on(GetPolicyStoreAliasCommand).callsFake(async (input: { aliasName: string }) => {
      const policyStoreId = this.aliases.get(input.aliasName);
      if (policyStoreId === undefined) throw notFound(input.aliasName);
      const state = this.pendingDeletion.has(input.aliasName) ? 'PendingDeletion' : 'Active';
      return { aliasName: input.aliasName, policyStoreId, state };
    });
    mock.on(PutSchemaCommand).callsFake(
      write((input: { policyStoreId: string; definition: { cedarJson: string } }) => {
        this.store(input.policyStoreId).schema = input.definition.cedarJson;
        return {};
      }),
    );
    mock.on(GetSchemaCommand).callsFake(async (input: { policyStoreId: string }) => {
      const schema = this.store(input.policyStoreId).schema;
      if (schema === undefined) throw notFound('schema');
      return { schema };
    });
    // ListPolicies' filter (API_PolicyFilter.html): by policy type and by the template a linked policy uses;
    // each item carries its principal, resource and definition (API_PolicyItem.html).
    mock
      .on(ListPoliciesCommand)
      .callsFake(
        async (input: {
          policyStoreId: string;
          filter?: { policyType?: string; policyTemplateId?: string };
          maxResults?: number;
          nextToken?: string;
        }) => {
          const { items, nextToken } = page(
            [...this.store(input.policyStoreId).policies.values()]
              .filter((p) => input.filter?.policyType !== 'STATIC' || p.templateId === undefined)
              .filter((p) => input.filter?.policyType !== 'TEMPLATE_LINKED' || p.templateId !== undefined)
              .filter(
                (p) => input.filter?.policyTemplateId === undefined || p.templateId === input.filter.policyTemplateId,
              ),
            input,
          );
          return {
            policies: items.map((p) => ({
              policyStoreId: input.policyStoreId,
              policyId: p.policyId,
              name: p.name,
              policyType: p.templateId === undefined ? 'STATIC' : 'TEMPLATE_LINKED',
              ...(p.templateId === undefined
                ? { definition: { static: {} } }
                : {
                    principal: p.principal,
                    resource: p.resource,
                    definition: {
                      templateLinked: { policyTemplateId: p.templateId, principal: p.principal, resource: p.resource },
                    },
                  }),
            })),
            nextToken,
          };
        },
      );
    mock.on(GetPolicyCommand).callsFake(async (input: { policyStoreId: string; policyId: string }) => {
      const policy = this.policy(input.policyStoreId, input.policyId);
      return {
        policyId: policy.policyId,
        definition:
          policy.templateId === undefined
            ? { static: { statement: policy.statement } }
            : {
                templateLinked: {
                  policyTemplateId: policy.templateId,
                  principal: policy.principal,
                  resource: policy.resource,
                },
              },
      };
    });
    mock.on(CreatePolicyCommand).callsFake(
      write((input: CreatePolicyInput) => {
        const store = this.store(input.policyStoreId ?? '');
        if (input.name !== undefined && [...store.policies.values()].some((p) => p.name === input.name)) {
          throw new ConflictException({ message: 'name in use', $metadata: {}, resources: [] });
        }
        const linked = input.definition?.templateLinked;
        if (linked !== undefined && !store.templates.has(linked.policyTemplateId ?? '')) throw notFound('template');
        const policyId = this.#id('P');
        store.policies.set(policyId, {
          policyId,
          ...(input.name === undefined ? {} : { name: input.name }),
          ...(linked === undefined
            ? { statement: input.definition?.static?.statement }
            : { templateId: linked.policyTemplateId, principal: linked.principal, resource: linked.resource }),
        });
        return { policyId, policyStoreId: input.policyStoreId };
      }),
    );
    mock.on(UpdatePolicyCommand).callsFake(
      write(
        async (input: { policyStoreId: string; policyId: string; definition: { static: { statement: string } } }) => {
          const policy = this.policy(input.policyStoreId, input.policyId);
          await refuseScopeChange('policy', policy.statement ?? '', input.definition.static.statement);
          policy.statement = input.definition.static.statement;
          return {};
        },
      ),
    );
    mock.on(DeletePolicyCommand).callsFake(
      write((input: { policyStoreId: string; policyId: string }) => {
        const policy = this.policy(input.policyStoreId, input.policyId);
        this.store(input.policyStoreId).policies.delete(policy.policyId);
        return {};
      }),
    );
    mock
      .on(ListPolicyTemplatesCommand)
      .callsFake(async (input: { policyStoreId: string; maxResults?: number; nextToken?: string }) => {
        const { items, nextToken } = page([...this.store(input.policyStoreId).templates.values()], input);
        return {
          policyTemplates: items.map((t) => ({ policyTemplateId: t.policyTemplateId, name: t.name })),
          nextToken,
        };
      });
    mock.on(GetPolicyTemplateCommand).callsFake(async (input: { policyStoreId: string; policyTemplateId: string }) => {
      const template = this.store(input.policyStoreId).templates.get(input.policyTemplateId);
      if (template === undefined) throw notFound('template');
      return { ...template };
    });
    mock.on(CreatePolicyTemplateCommand).callsFake(
      write((input: CreatePolicyTemplateInput) => {
        const store = this.store(input.policyStoreId ?? '');
        if (input.name !== undefined && [...store.templates.values()].some((t) => t.name === input.name)) {
          throw new ConflictException({ message: 'name in use', $metadata: {}, resources: [] });
        }
        const policyTemplateId = this.#id('T');
        store.templates.set(policyTemplateId, {
          policyTemplateId,
          ...(input.name === undefined ? {} : { name: input.name }),
          statement: input.statement ?? '',
        });
        return { policyTemplateId };
      }),
    );
    mock.on(UpdatePolicyTemplateCommand).callsFake(
      write(async (input: { policyStoreId: string; policyTemplateId: string; statement: string }) => {
        const template = this.store(input.policyStoreId).templates.get(input.policyTemplateId);
        if (template === undefined) throw notFound('template');
        await refuseScopeChange('template', template.statement, input.statement);
        template.statement = input.statement;
        return {};
      }),
    );
    mock
      .on(IsAuthorizedCommand)
      .callsFake(async (input: IsAuthorizedInput) =>
        this.evaluate(input.policyStoreId ?? '', input, input.entities?.cedarJson),
      );
    mock.on(BatchIsAuthorizedCommand).callsFake(async (input: BatchIsAuthorizedInput) => {
      this.store(input.policyStoreId ?? '');
      refuseBatch(input);
      this.batches.push((input.requests ?? []).length);
      const results = [];
      // "These results are returned in the order they were requested", each with the request it answers.
      for (const request of input.requests ?? []) {
        results.push({
          request,
          ...(await this.evaluate(input.policyStoreId ?? '', request, input.entities?.cedarJson)),
        });
      }
      return { results };
    });
    mock.on(DeletePolicyTemplateCommand).callsFake(
      write((input: { policyStoreId: string; policyTemplateId: string }) => {
        const store = this.store(input.policyStoreId);
        if ([...store.policies.values()].some((p) => p.templateId === input.policyTemplateId)) {
          throw new ValidationException({ message: 'template has linked policies', $metadata: {}, fieldList: [] });
        }
        store.templates.delete(input.policyTemplateId);
        return {};
      }),
    );
  }

  /** A store holding `policies` and `templates` as the sync names them, for tests that start from one. */
  addStore(
    tags: Record<string, string>,
    contents: { policies: Record<string, string>; templates: Record<string, string> },
  ): { policyStoreId: string; templateIds: Record<string, string> } {
    const policyStoreId = this.#id('PS');
    const store: FakeStore = { policyStoreId, tags, policies: new Map(), templates: new Map() };
    for (const [id, statement] of Object.entries(contents.policies)) {
      const policyId = this.#id('P');
      store.policies.set(policyId, { policyId, name: `name/global-${id}`, statement });
    }
    const templateIds: Record<string, string> = {};
    for (const [id, statement] of Object.entries(contents.templates)) {
      const policyTemplateId = this.#id('T');
      store.templates.set(policyTemplateId, { policyTemplateId, name: `name/template-${id}`, statement });
      templateIds[id] = policyTemplateId;
    }
    this.stores.set(policyStoreId, store);
    return { policyStoreId, templateIds };
  }

  /** The store's policies in cedar-wasm's form: static by id, templates by id, links by policy id. */
  policySet(policyStoreId: string): PolicySet {
    const store = this.store(policyStoreId);
    const policies = [...store.policies.values()];
    return {
      staticPolicies: Object.fromEntries(
        policies.filter((p) => p.templateId === undefined).map((p) => [p.policyId, p.statement ?? '']),
      ),
      templates: Object.fromEntries([...store.templates.values()].map((t) => [t.policyTemplateId, t.statement])),
      templateLinks: policies
        .filter((p) => p.templateId !== undefined)
        .map((p) => ({
          templateId: p.templateId ?? '',
          newId: p.policyId,
          values: {
            '?principal': { type: p.principal?.entityType ?? '', id: p.principal?.entityId ?? '' },
            '?resource': { type: p.resource?.entityType ?? '', id: p.resource?.entityId ?? '' },
          },
        })),
    };
  }

  /** One decision on the store, as IsAuthorized makes it. */
  async evaluate(
    policyStoreId: string,
    request: Pick<IsAuthorizedInput, 'principal' | 'action' | 'resource' | 'context'>,
    entities: string | undefined,
  ): Promise<{ decision: 'ALLOW' | 'DENY'; determiningPolicies: { policyId: string }[]; errors: [] }> {
    const cedar = await loadCedar();
    const answer = cedar.isAuthorized({
      principal: { type: request.principal?.entityType ?? '', id: request.principal?.entityId ?? '' },
      action: { type: request.action?.actionType ?? '', id: request.action?.actionId ?? '' },
      resource: { type: request.resource?.entityType ?? '', id: request.resource?.entityId ?? '' },
      context: request.context?.cedarJson === undefined ? {} : JSON.parse(request.context.cedarJson),
      entities: JSON.parse(entities ?? '[]'),
      policies: this.policySet(policyStoreId),
    });
    if (answer.type !== 'success') throw invalid(answer.errors.map((error) => error.message).join('; '));
    return {
      decision: answer.response.decision === 'allow' ? 'ALLOW' : 'DENY',
      determiningPolicies: answer.response.diagnostics.reason.map((policyId) => ({ policyId })),
      errors: [],
    };
  }

  store(policyStoreId: string): FakeStore {
    const store = this.stores.get(policyStoreId);
    if (store === undefined) throw notFound(policyStoreId);
    return store;
  }

  /** A policy by id, or by `name/…` as AVP allows. */
  policy(policyStoreId: string, idOrName: string): FakePolicy {
    const policies = this.store(policyStoreId).policies;
    const policy = policies.get(idOrName) ?? [...policies.values()].find((p) => p.name === idOrName);
    if (policy === undefined) throw notFound(idOrName);
    return policy;
  }

  restore(): void {
    this.mock.restore();
  }

  #id(prefix: string): string {
    this.#ids++;
    return `${prefix}${String(this.#ids).padStart(6, '0')}`;
  }
}
