import { describe, expect, it } from 'vitest';
import { DOCUMENT_ACTIONS, NAMESPACE, SHARE_TEMPLATE, TENANT_ACTIONS } from '../../shared/cedar/cedar-model';
import { loadCedar } from '../../shared/cedar/engines/cedar-module';
import { readPolicyFiles } from '../../shared/cedar/stores/policy-files';

describe('the policy model in policies/', () => {
  it('validates every global policy and template against the schema in strict mode, without warnings', async () => {
    // Prepare
    const cedar = await loadCedar();
    const { schema, policies, templates } = readPolicyFiles();

    // Act
    const answer = cedar.validate({
      schema,
      policies: { staticPolicies: { ...policies }, templates: { ...templates } },
    });

    // Assess
    expect(answer).toEqual({ type: 'success', validationErrors: [], validationWarnings: [], otherWarnings: [] });
    expect(Object.keys(policies).sort()).toEqual([
      'owner-manages-document',
      'tenant-admin-manages-documents',
      'tenant-user-adds-documents',
    ]);
    expect(Object.keys(templates)).toEqual([SHARE_TEMPLATE]);
  });

  it('refuses a policy that names an attribute the schema does not define (the validation can fail)', async () => {
    // Prepare
    const cedar = await loadCedar();
    const { schema } = readPolicyFiles();
    const broken = `permit (principal, action == ${NAMESPACE}::Action::"ReadDocument", resource is ${NAMESPACE}::Document) when { resource.public };`;

    // Act
    const answer = cedar.validate({ schema, policies: { staticPolicies: { broken } } });

    // Assess
    expect(answer.type === 'success' && answer.validationErrors.length).toBe(1);
  });

  it('declares in the schema exactly the actions the code asks about', async () => {
    // Prepare
    const cedar = await loadCedar();

    // Act
    const answer = cedar.schemaToJson(readPolicyFiles().schema);

    // Assess
    const actions = answer.type === 'success' ? Object.keys(answer.json[NAMESPACE]?.actions ?? {}) : [];
    expect(actions.sort()).toEqual([...TENANT_ACTIONS, ...DOCUMENT_ACTIONS].sort());
  });
});
