import { Tracer } from '@aws-lambda-powertools/tracer';
import { describe, expect, it } from 'vitest';
import { loadTracer, traced } from '../../shared/runtime/tracer';

describe('on-demand tracer', () => {
  it.each([undefined, 'false', 'TRUE', '1', ''])(
    'stays unloaded when POWERTOOLS_TRACE_ENABLED is %j',
    async (value) => {
      // Act
      const tracer = await loadTracer({ POWERTOOLS_TRACE_ENABLED: value });

      // Assess
      expect(tracer).toBeUndefined();
    },
  );

  it('loads Powertools Tracer when enabled', async () => {
    // Act
    const tracer = await loadTracer({ POWERTOOLS_TRACE_ENABLED: 'true', POWERTOOLS_SERVICE_NAME: 'pre-sign-up' });

    // Assess
    expect(tracer).toBeInstanceOf(Tracer);
  });

  it('hands back the very client when no tracer is loaded', () => {
    // Prepare
    const client = { send: () => undefined };

    // Act
    const result = traced(undefined, client);

    // Assess
    expect(result).toBe(client);
  });
});
