import { beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENT_ACTIONS, TENANT_ACTIONS } from '../../shared/cedar/cedar-model';
import { createDecider, type Decider } from '../../shared/cedar/decide';
import { EmbeddedEngine } from '../../shared/cedar/engines/embedded-engine';
import { principalFor, requestFor, scenarioCases, scenarioStores } from '../support/policy-scenario';

describe('the source scenario on the embedded engine', () => {
  let decider: Decider;

  beforeAll(() => {
    const stores = scenarioStores();
    decider = createDecider({
      config: { engine: 'embedded', cacheTtlMs: 60_000 },
      stores,
      links: stores,
      embedded: async () => new EmbeddedEngine(),
    });
  });

  it.each(scenarioCases)(
    '$role, $relation: $action → $expected',
    async ({ role, relation, action, expected: answer }) => {
      // Act
      const { decision } = await decider.decide(requestFor(principalFor(role, relation), action));

      // Assess
      expect(decision).toBe(answer);
    },
  );

  it('covers allow and deny for every action', () => {
    for (const action of [...TENANT_ACTIONS, ...DOCUMENT_ACTIONS]) {
      expect(new Set(scenarioCases.filter((c) => c.action === action).map((c) => c.expected))).toEqual(
        new Set(['allow', 'deny']),
      );
    }
  });
});
