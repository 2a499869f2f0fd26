import { ConfigurationError } from './errors';
import type { Env } from './settings';

/**
 * Log level thresholds, the numbers Powertools Logger uses (`LogLevelThreshold`): a line is written when its
 * level's threshold is at or above the configured one. `SILENT` writes nothing.
 */
export const LOG_LEVELS = { TRACE: 6, DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, CRITICAL: 24, SILENT: 28 } as const;

/** A level name of `LOG_LEVELS`. */
export type LogLevelName = keyof typeof LOG_LEVELS;

/** What the logger and the decision metrics need, read from the environment once per container (cold start). */
export interface ObservabilityConfig {
  /** `POWERTOOLS_SERVICE_NAME`, else the function's own name: the `service` log field and metric dimension. */
  readonly service: string;
  /** The log level threshold (`LOG_LEVELS`). */
  readonly logLevel: number;
  /** False with `POWERTOOLS_METRICS_DISABLED=true` (or `POWERTOOLS_DEV=true` without it), as in Powertools. */
  readonly metricsEnabled: boolean;
  /** `POWERTOOLS_METRICS_NAMESPACE`, else `CognitoTenancy`. */
  readonly namespace: string;
}

/** The namespace when `POWERTOOLS_METRICS_NAMESPACE` is unset. */
const DEFAULT_NAMESPACE = 'CognitoTenancy';
// CloudWatch metric namespaces: 1–255 of alphanumerics and . - _ / # : and space, not all blank (PutMetricData).
const NAMESPACE = /^[0-9A-Za-z._\-/#: ]{1,255}$/;
// A dimension value is 1–1024 characters; a service name is also a log field, so printable ASCII only.
const SERVICE = /^[\x21-\x7e]{1,1024}$/;
// Lambda's advanced logging controls name FATAL where Powertools says CRITICAL.
const ALC_LEVELS: Readonly<Record<string, LogLevelName>> = {
  TRACE: 'TRACE',
  DEBUG: 'DEBUG',
  INFO: 'INFO',
  WARN: 'WARN',
  ERROR: 'ERROR',
  FATAL: 'CRITICAL',
};

/**
 * The observability settings of a function, validated once at cold start: unknown or unsafe values stop the
 * function rather than being guessed (Powertools would fall back to INFO on a misspelt level, or log with a
 * sampling rate this suite does not implement).
 *
 * Log level, as Powertools Logger resolves it: Lambda's advanced logging controls (`AWS_LAMBDA_LOG_LEVEL`,
 * set by the platform) win when set; else `POWERTOOLS_LOG_LEVEL`, else `LOG_LEVEL`, else INFO. Names are
 * case-insensitive.
 */
export function observabilityConfigFromEnv(env: Env, defaultService: string): ObservabilityConfig {
  if (env.POWERTOOLS_LOGGER_SAMPLE_RATE !== undefined && env.POWERTOOLS_LOGGER_SAMPLE_RATE.trim() !== '') {
    throw new ConfigurationError(
      'is not supported: the suite logs every line at or above the level (docs/observability.md "Decision logs")',
      'POWERTOOLS_LOGGER_SAMPLE_RATE',
    );
  }
  const service = env.POWERTOOLS_SERVICE_NAME?.trim() || defaultService;
  if (!SERVICE.test(service)) {
    throw new ConfigurationError('must be 1 to 1024 printable characters without spaces', 'POWERTOOLS_SERVICE_NAME');
  }
  const namespace = env.POWERTOOLS_METRICS_NAMESPACE?.trim() || DEFAULT_NAMESPACE;
  if (!NAMESPACE.test(namespace)) {
    throw new ConfigurationError(
      'must be 1 to 255 of letters, digits, space and . - _ / # : (a CloudWatch namespace)',
      'POWERTOOLS_METRICS_NAMESPACE',
    );
  }
  const disabled = readFlag(env, 'POWERTOOLS_METRICS_DISABLED') ?? readFlag(env, 'POWERTOOLS_DEV') ?? false;
  return { service, logLevel: LOG_LEVELS[logLevelName(env)], metricsEnabled: !disabled, namespace };
}

/** The level name the environment selects (see `observabilityConfigFromEnv`). */
function logLevelName(env: Env): LogLevelName {
  const alc = ALC_LEVELS[env.AWS_LAMBDA_LOG_LEVEL?.trim().toUpperCase() ?? ''];
  if (alc !== undefined) return alc;
  for (const name of ['POWERTOOLS_LOG_LEVEL', 'LOG_LEVEL'] as const) {
    const value = env[name]?.trim().toUpperCase();
    if (value === undefined || value === '') continue;
    if (Object.hasOwn(LOG_LEVELS, value)) return value as LogLevelName;
    throw new ConfigurationError(`must be one of ${Object.keys(LOG_LEVELS).join(', ')}, got "${value}"`, name);
  }
  return 'INFO';
}

/** `true` or `false` (any case), `undefined` when unset; anything else is refused rather than guessed. */
function readFlag(env: Env, name: string): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigurationError(`must be "true" or "false", got "${value}"`, name);
}
