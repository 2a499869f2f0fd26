import { Tracer } from '@aws-lambda-powertools/tracer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadTracer, traced, tracedHandler } from '../../shared/runtime/tracer';

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

  it('hands back the very handler when no tracer is loaded', () => {
    // Prepare
    const handler = async (event: { n: number }) => event.n;

    // Act & Assess
    expect(tracedHandler(undefined, handler)).toBe(handler);
  });

  describe("with Powertools' handler tracing", () => {
    function tracingTracer(close: () => void) {
      const tracer = new Tracer({ serviceName: 'pre-token-generation' });
      const subsegment = { name: '## handler', close: vi.fn(close) };
      vi.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
      const annotateColdStart = vi.spyOn(tracer, 'annotateColdStart').mockImplementation(() => undefined);
      vi.spyOn(tracer, 'addServiceNameAnnotation').mockImplementation(() => undefined);
      const addResponse = vi.spyOn(tracer, 'addResponseAsMetadata').mockImplementation(() => undefined);
      const addError = vi.spyOn(tracer, 'addErrorAsMetadata').mockImplementation(() => undefined);
      vi.spyOn(tracer.provider, 'captureAsyncFunc').mockImplementation(((_name: string, fn: (s: unknown) => unknown) =>
        fn(subsegment)) as never);
      return { tracer, subsegment, annotateColdStart, addResponse, addError };
    }

    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('runs the handler in a subsegment it closes, annotated, without recording the response', async () => {
      // Prepare
      const { tracer, subsegment, annotateColdStart, addResponse } = tracingTracer(() => undefined);
      const traced = tracedHandler(tracer, async (event: { email: string }) => ({ ...event, response: {} }));

      // Act
      const result = await traced({ email: 'user@example.com' });

      // Assess
      expect(result).toEqual({ email: 'user@example.com', response: {} });
      expect(subsegment.close).toHaveBeenCalledOnce();
      expect(annotateColdStart).toHaveBeenCalledOnce();
      expect(addResponse).not.toHaveBeenCalled();
    });

    it('still answers when closing the subsegment fails (the guard a hand copy lacked)', async () => {
      // Prepare
      const { tracer } = tracingTracer(() => {
        throw new Error('segment already closed');
      });
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const traced = tracedHandler(tracer, async () => 'issued');

      // Act
      const result = await traced({});

      // Assess
      expect(result).toBe('issued');
      expect(warn).toHaveBeenCalled();
    });

    it('records a thrown error as metadata and rethrows it', async () => {
      // Prepare
      const { tracer, subsegment, addError } = tracingTracer(() => undefined);
      const failure = new Error('registry down');
      const traced = tracedHandler(tracer, async () => {
        throw failure;
      });

      // Act
      const error = await traced({}).catch((caught: unknown) => caught);

      // Assess
      expect(error).toBe(failure);
      expect(addError).toHaveBeenCalledWith(failure);
      expect(subsegment.close).toHaveBeenCalledOnce();
    });
  });
});
