import {
  ConflictException,
  CreatePolicyCommand,
  type CreatePolicyInput,
  CreatePolicyStoreCommand,
  type CreatePolicyStoreInput,
  CreatePolicyTemplateCommand,
  type CreatePolicyTemplateInput,
  DeletePolicyCommand,
  DeletePolicyTemplateCommand,
  GetPolicyCommand,
  GetPolicyTemplateCommand,
  GetSchemaCommand,
  ListPoliciesCommand,
  ListPolicyStoresCommand,
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
 * cannot change a policy's or template's effect, principal or resource (`refuseScopeChange`), and names may be
 * used in place of ids. `failOn` makes one write fail, to test re-runs after partial failures.
 */
export class FakeAvp {
  readonly stores = new Map<string, FakeStore>();
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
        const policyStoreId = this.#id('PS');
        this.stores.set(policyStoreId, {
          policyStoreId,
          description: input.description,
          tags: { ...input.tags },
          policies: new Map(),
          templates: new Map(),
        });
        return { policyStoreId };
      }),
    );
    mock.on(ListPolicyStoresCommand).callsFake(async () => ({
      policyStores: [...this.stores.values()].map((s) => ({
        policyStoreId: s.policyStoreId,
        description: s.description,
      })),
    }));
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
      .callsFake(async (input: { policyStoreId: string; filter?: { policyType?: string } }) => ({
        policies: [...this.store(input.policyStoreId).policies.values()]
          .filter((p) => input.filter?.policyType !== 'STATIC' || p.templateId === undefined)
          .map((p) => ({
            policyId: p.policyId,
            name: p.name,
            policyType: p.templateId === undefined ? 'STATIC' : 'TEMPLATE_LINKED',
          })),
      }));
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
    mock.on(ListPolicyTemplatesCommand).callsFake(async (input: { policyStoreId: string }) => ({
      policyTemplates: [...this.store(input.policyStoreId).templates.values()].map((t) => ({
        policyTemplateId: t.policyTemplateId,
        name: t.name,
      })),
    }));
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
