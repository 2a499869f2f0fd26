import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../shared/runtime/errors';
import { LOG_LEVELS, observabilityConfigFromEnv } from '../../shared/runtime/observability-config';

describe('observabilityConfigFromEnv', () => {
  it('defaults to INFO, metrics on, namespace CognitoTenancy and the function name as service', () => {
    // Act
    const config = observabilityConfigFromEnv({}, 'authorizer');

    // Assess
    expect(config).toEqual({
      service: 'authorizer',
      logLevel: LOG_LEVELS.INFO,
      metricsEnabled: true,
      namespace: 'CognitoTenancy',
    });
  });

  it.each([
    ['POWERTOOLS_LOG_LEVEL', { POWERTOOLS_LOG_LEVEL: 'debug' }, LOG_LEVELS.DEBUG],
    ['LOG_LEVEL when POWERTOOLS_LOG_LEVEL is unset', { LOG_LEVEL: 'ERROR' }, LOG_LEVELS.ERROR],
    [
      "Lambda's advanced logging controls over POWERTOOLS_LOG_LEVEL",
      { AWS_LAMBDA_LOG_LEVEL: 'WARN', POWERTOOLS_LOG_LEVEL: 'DEBUG' },
      LOG_LEVELS.WARN,
    ],
    ["Lambda's FATAL as CRITICAL", { AWS_LAMBDA_LOG_LEVEL: 'FATAL' }, LOG_LEVELS.CRITICAL],
    ['SILENT', { POWERTOOLS_LOG_LEVEL: 'SILENT' }, LOG_LEVELS.SILENT],
  ])('reads the log level from %s', (_case, env, level) => {
    // Act
    const config = observabilityConfigFromEnv(env, 'f');

    // Assess
    expect(config.logLevel).toBe(level);
  });

  it('takes the service, namespace and metrics switch from the Powertools settings', () => {
    // Act
    const config = observabilityConfigFromEnv(
      {
        POWERTOOLS_SERVICE_NAME: 'pre-sign-up',
        POWERTOOLS_METRICS_NAMESPACE: 'Acme/Identity',
        POWERTOOLS_METRICS_DISABLED: 'TRUE',
      },
      'f',
    );

    // Assess
    expect(config).toMatchObject({ service: 'pre-sign-up', namespace: 'Acme/Identity', metricsEnabled: false });
  });

  it('turns metrics off with POWERTOOLS_DEV unless POWERTOOLS_METRICS_DISABLED says otherwise, as Powertools does', () => {
    // Act
    const dev = observabilityConfigFromEnv({ POWERTOOLS_DEV: 'true' }, 'f');
    const devOn = observabilityConfigFromEnv({ POWERTOOLS_DEV: 'true', POWERTOOLS_METRICS_DISABLED: 'false' }, 'f');

    // Assess
    expect(dev.metricsEnabled).toBe(false);
    expect(devOn.metricsEnabled).toBe(true);
  });

  it.each([
    ['a misspelt log level', { POWERTOOLS_LOG_LEVEL: 'VERBOSE' }, 'POWERTOOLS_LOG_LEVEL'],
    ['a log level in LOG_LEVEL it does not know', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['a metrics switch that is not true or false', { POWERTOOLS_METRICS_DISABLED: '1' }, 'POWERTOOLS_METRICS_DISABLED'],
    ['a namespace CloudWatch refuses', { POWERTOOLS_METRICS_NAMESPACE: 'Acme"}' }, 'POWERTOOLS_METRICS_NAMESPACE'],
    ['a service name with a space', { POWERTOOLS_SERVICE_NAME: 'pre sign up' }, 'POWERTOOLS_SERVICE_NAME'],
    [
      'a sampling rate the logger does not implement',
      { POWERTOOLS_LOGGER_SAMPLE_RATE: '0.1' },
      'POWERTOOLS_LOGGER_SAMPLE_RATE',
    ],
  ])('refuses %s at cold start', (_case, env, setting) => {
    // Act
    const read = () => observabilityConfigFromEnv(env, 'f');

    // Assess
    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow(expect.objectContaining({ setting }));
  });

  it('ignores a level name of the advanced logging controls it does not know and falls back to the Powertools setting', () => {
    // Act
    const config = observabilityConfigFromEnv({ AWS_LAMBDA_LOG_LEVEL: 'LOUD', POWERTOOLS_LOG_LEVEL: 'ERROR' }, 'f');

    // Assess
    expect(config.logLevel).toBe(LOG_LEVELS.ERROR);
  });
});
