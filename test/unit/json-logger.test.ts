import { afterEach, describe, expect, it, vi } from 'vitest';
import { JsonLogger } from '../../shared/runtime/json-logger';
import { LOG_LEVELS } from '../../shared/runtime/observability-config';

const NOW = 1_767_225_600_000;

/** A logger at `level` writing into two arrays, with a fixed clock and no trace id. */
function recording(level: number = LOG_LEVELS.DEBUG) {
  const out: string[] = [];
  const err: string[] = [];
  const logger = new JsonLogger(
    { service: 'pre-token-generation', logLevel: level },
    { write: (line) => out.push(line), writeError: (line) => err.push(line), now: () => NOW, traceId: () => undefined },
  );
  const parsed = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, out, err, parsed };
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('JsonLogger', () => {
  it('writes one JSON line per call in the shape Powertools Logger writes, keys and attributes after the standard fields', () => {
    // Prepare
    const { logger, out, parsed } = recording();
    logger.appendKeys({ triggerSource: 'TokenGeneration_Authentication', tenantId: 'acme' });

    // Act
    logger.info('token claims issued', { tier: 'standard' });

    // Assess
    expect(out).toHaveLength(1);
    expect(out[0]?.endsWith('}\n')).toBe(true);
    expect(out[0]?.indexOf('\n')).toBe((out[0]?.length ?? 0) - 1);
    expect(Object.keys(parsed(out)[0] ?? {})).toEqual([
      'level',
      'message',
      'timestamp',
      'service',
      'triggerSource',
      'tenantId',
      'tier',
    ]);
    expect(parsed(out)[0]).toEqual({
      level: 'INFO',
      message: 'token claims issued',
      timestamp: new Date(NOW).toISOString(),
      service: 'pre-token-generation',
      triggerSource: 'TokenGeneration_Authentication',
      tenantId: 'acme',
      tier: 'standard',
    });
  });

  it('writes DEBUG and INFO to standard output and WARN and ERROR to standard error, as Powertools does', () => {
    // Prepare
    const { logger, out, err, parsed } = recording();

    // Act
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');

    // Assess
    expect(parsed(out).map((line) => line.level)).toEqual(['DEBUG', 'INFO']);
    expect(parsed(err).map((line) => line.level)).toEqual(['WARN', 'ERROR']);
  });

  it.each([
    ['INFO', LOG_LEVELS.INFO, ['INFO', 'WARN', 'ERROR']],
    ['WARN', LOG_LEVELS.WARN, ['WARN', 'ERROR']],
    ['ERROR', LOG_LEVELS.ERROR, ['ERROR']],
    ['SILENT', LOG_LEVELS.SILENT, []],
  ])(
    'at %s writes only the lines at or above it, and never serializes the attributes of the others',
    (_name, level, written) => {
      // Prepare
      const { logger, out, err, parsed } = recording(level);
      const attributes = { toJSON: vi.fn(() => ({ x: 1 })) };

      // Act
      logger.debug('DEBUG', { attributes });
      logger.info('INFO', { attributes });
      logger.warn('WARN', { attributes });
      logger.error('ERROR', { attributes });

      // Assess
      expect([...parsed(out), ...parsed(err)].map((line) => line.message)).toEqual(written);
      expect(attributes.toJSON).toHaveBeenCalledTimes(written.length);
    },
  );

  it('serializes appended keys once per appendKeys, not once per line', () => {
    // Prepare
    const { logger, out } = recording();
    const key = { toJSON: vi.fn(() => 'acme') };

    // Act
    logger.appendKeys({ tenantId: key });
    logger.info('one');
    logger.info('two');

    // Assess
    expect(key.toJSON).toHaveBeenCalledTimes(1);
    expect(out.every((line) => line.includes('"tenantId":"acme"'))).toBe(true);
    expect(logger.keysJson).toBe(',"tenantId":"acme"');
  });

  it('forgets every key on resetKeys, so nothing leaks into the next invocation', () => {
    // Prepare
    const { logger, out, parsed } = recording();
    logger.appendKeys({ tenantId: 'acme', sub: 's' });

    // Act
    logger.resetKeys();
    logger.info('next invocation');

    // Assess
    expect(parsed(out)[0]).not.toHaveProperty('tenantId');
    expect(parsed(out)[0]).not.toHaveProperty('sub');
    expect(logger.keysJson).toBe('');
  });

  it('lets an attribute replace a key of the same name, and never lets either replace a standard field', () => {
    // Prepare
    const { logger, out, parsed } = recording();
    logger.appendKeys({ tenantId: 'acme', level: 'FORGED', service: 'other' });

    // Act
    logger.info('m', { tenantId: 'globex', message: 'forged', timestamp: 0 });

    // Assess
    expect(parsed(out)[0]).toEqual({
      level: 'INFO',
      message: 'm',
      timestamp: new Date(NOW).toISOString(),
      service: 'pre-token-generation',
      tenantId: 'globex',
    });
    expect(out[0]?.match(/"tenantId"/g)).toHaveLength(1);
  });

  it('writes errors with their name, message, stack and cause, and bigints as strings', () => {
    // Prepare
    const { logger, err, parsed } = recording();
    const error = new TypeError('boom', { cause: new Error('root') });

    // Act
    logger.warn('registry unavailable', { error, count: 10n });

    // Assess
    const [line] = parsed(err);
    expect(line?.error).toEqual({
      name: 'TypeError',
      message: 'boom',
      stack: expect.stringContaining('TypeError: boom'),
      cause: { name: 'Error', message: 'root', stack: expect.any(String) },
    });
    expect(line?.count).toBe('10');
  });

  it('never throws on attributes it cannot serialize: the line is written with a note instead', () => {
    // Prepare
    const { logger, err, parsed } = recording();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;

    // Act
    const log = () => logger.error('failed', { cycle });

    // Assess
    expect(log).not.toThrow();
    expect(parsed(err)).toEqual([expect.objectContaining({ message: 'failed', logError: expect.any(String) })]);
  });

  it("adds the invocation's X-Ray trace id, read from Lambda's _X_AMZN_TRACE_ID at each line", () => {
    // Prepare
    const lines: string[] = [];
    const logger = new JsonLogger(
      { service: 's', logLevel: LOG_LEVELS.INFO },
      { write: (line) => lines.push(line), now: () => NOW },
    );

    // Act
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
    logger.info('traced');
    vi.stubEnv('_X_AMZN_TRACE_ID', '');
    logger.info('untraced');

    // Assess
    const [traced, untraced] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(traced?.xray_trace_id).toBe('1-5759e988-bd862e3fe1be46a994272793');
    expect(untraced).not.toHaveProperty('xray_trace_id');
  });

  it('writes to process.stdout and process.stderr by default, one write per line', () => {
    // Prepare
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const logger = new JsonLogger({ service: 's', logLevel: LOG_LEVELS.INFO });

    // Act
    logger.info('out');
    logger.error('err');

    // Assess
    expect(stdout).toHaveBeenCalledTimes(1);
    expect(stderr).toHaveBeenCalledTimes(1);
    expect(JSON.parse(String(stdout.mock.calls[0]?.[0]))).toMatchObject({ level: 'INFO', message: 'out' });
    expect(JSON.parse(String(stderr.mock.calls[0]?.[0]))).toMatchObject({ level: 'ERROR', message: 'err' });
  });
});
