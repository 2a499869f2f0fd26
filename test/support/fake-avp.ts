import {
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
  ListPoliciesCommand,
  ListPolicyTemplatesCommand,
  PutSchemaCommand,
  ResourceNotFoundException,
  UpdatePolicyCommand,
  UpdatePolicyTemplateCommand,
  ValidationException,
  VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import { mockClient } from 'aws-sdk-client-mock';
import { fixedScope } from '../../shared/operations/policy-plan';

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
    mock
      .on(ListPoliciesCommand)
      .callsFake(
        async (input: {
          policyStoreId: string;
          filter?: { policyType?: string };
          maxResults?: number;
          nextToken?: string;
        }) => {
          const { items, nextToken } = page(
            [...this.store(input.policyStoreId).policies.values()].filter(
              (p) => input.filter?.policyType !== 'STATIC' || p.templateId === undefined,
            ),
            input,
          );
          return {
            policies: items.map((p) => ({
              policyId: p.policyId,
              name: p.name,
              policyType: p.templateId === undefined ? 'STATIC' : 'TEMPLATE_LINKED',
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
