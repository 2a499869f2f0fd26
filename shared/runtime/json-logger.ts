import type { HandlerLogger, LogAttributes } from './handler-logger';
import { mapStack } from './mapped-stack';
import { LOG_LEVELS, type LogLevelName, type ObservabilityConfig } from './observability-config';

/** Fields every line has; a key or attribute of the same name is dropped rather than written twice. */
const RESERVED = new Set(['level', 'message', 'timestamp', 'service', 'xray_trace_id']);

/** Where lines go and the clock; the defaults are what Lambda gets. */
export interface JsonLoggerOptions {
  /** Writes a DEBUG or INFO line. Default: `process.stdout.write`. */
  readonly write?: ((line: string) => void) | undefined;
  /** Writes a WARN or ERROR line. Default: `process.stderr.write` (as Powertools' `console.warn`/`error`). */
  readonly writeError?: ((line: string) => void) | undefined;
  /** Clock in milliseconds for `timestamp`. */
  readonly now?: (() => number) | undefined;
  /**
   * The X-Ray trace id of the current invocation, or `undefined`. Default: the `Root` of `_X_AMZN_TRACE_ID`,
   * which Lambda sets per invocation (so it is read per line, never cached); decision lines do not carry it.
   */
  readonly traceId?: (() => string | undefined) | undefined;
}

/**
 * The suite's logger: one JSON line per call, in the shape Powertools Logger writes (`level`, `message`,
 * `timestamp`, `service`, `xray_trace_id`, then the appended keys and the call's attributes), with one `write`.
 *
 * Why not Powertools Logger itself: in these functions it cost 16 KB (plus 4 KB of commons) of every bundle
 * and about 9 µs per line (per-line environment reads, level name lookups, attribute merging through an
 * invocation store), more than the warm pre token generation path's whole decision. The suite uses none of
 * what that buys (sampling, buffering, Lambda context injection, custom formatters), so the level is resolved
 * once at cold start (`observabilityConfigFromEnv`), a line below it costs one comparison, and the appended
 * keys are serialized once per `appendKeys`, for every line of the invocation including the decision line
 * (`DecisionMetrics`), which is written beside the metric. Never throws: an attribute that cannot be
 * serialized is dropped with a note.
 */
export class JsonLogger implements HandlerLogger {
  /** The level threshold (`LOG_LEVELS`), fixed at cold start. */
  readonly level: number;
  readonly #service: string;
  readonly #write: (line: string) => void;
  readonly #writeError: (line: string) => void;
  readonly #now: () => number;
  readonly #traceId: () => string | undefined;
  #keys: Record<string, unknown> = {};
  #keysJson = '';

  constructor(config: Pick<ObservabilityConfig, 'service' | 'logLevel'>, options: JsonLoggerOptions = {}) {
    this.level = config.logLevel;
    this.#service = JSON.stringify(config.service);
    this.#write = options.write ?? ((line) => process.stdout.write(line));
    this.#writeError = options.writeError ?? ((line) => process.stderr.write(line));
    this.#now = options.now ?? Date.now;
    this.#traceId = options.traceId ?? traceIdFromEnv;
  }

  /** Writes a DEBUG line when the level allows. */
  debug(message: string, attributes?: LogAttributes): void {
    if (LOG_LEVELS.DEBUG >= this.level) this.#line('DEBUG', message, attributes, this.#write);
  }

  /** Writes an INFO line when the level allows. */
  info(message: string, attributes?: LogAttributes): void {
    if (LOG_LEVELS.INFO >= this.level) this.#line('INFO', message, attributes, this.#write);
  }

  /** Writes a WARN line when the level allows. */
  warn(message: string, attributes?: LogAttributes): void {
    if (LOG_LEVELS.WARN >= this.level) this.#line('WARN', message, attributes, this.#writeError);
  }

  /** Writes an ERROR line when the level allows. */
  error(message: string, attributes?: LogAttributes): void {
    if (LOG_LEVELS.ERROR >= this.level) this.#line('ERROR', message, attributes, this.#writeError);
  }

  /** Adds keys to every later line until `resetKeys()`; serialized once, here. */
  appendKeys(keys: LogAttributes): void {
    for (const [key, value] of Object.entries(keys)) if (!RESERVED.has(key)) this.#keys[key] = value;
    this.#keysJson = fragment(this.#keys);
  }

  /** Drops every appended key (called first in every invocation). */
  resetKeys(): void {
    this.#keys = {};
    this.#keysJson = '';
  }

  /** The appended keys as members to put inside a JSON object (`,"k":v…`), empty when there are none. */
  get keysJson(): string {
    return this.#keysJson;
  }

  #line(level: LogLevelName, message: string, attributes: LogAttributes | undefined, write: (line: string) => void) {
    const trace = this.#traceId();
    let line = `{"level":"${level}","message":${JSON.stringify(String(message))},"timestamp":"${new Date(this.#now()).toISOString()}","service":${this.#service}`;
    if (trace !== undefined) line += `,"xray_trace_id":${JSON.stringify(trace)}`;
    if (attributes === undefined) {
      line += this.#keysJson;
    } else {
      const merged: Record<string, unknown> = { ...this.#keys };
      for (const [key, value] of Object.entries(attributes)) if (!RESERVED.has(key)) merged[key] = value;
      line += fragment(merged);
    }
    write(`${line}}\n`);
  }
}

/** `,"k":v…` for the members of `fields` (errors formatted), or a note when they cannot be serialized. */
function fragment(fields: Record<string, unknown>): string {
  let json: string;
  try {
    json = JSON.stringify(fields, replacer);
  } catch {
    return ',"logError":"attributes could not be serialized"';
  }
  return json.length > 2 ? `,${json.slice(1, -1)}` : '';
}

/** Errors as Powertools formats them (name, message, stack in TypeScript terms, cause); bigints as strings. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      stack: value.stack === undefined ? undefined : mapStack(value.stack),
      ...(value.cause === undefined ? {} : { cause: value.cause }),
    };
  }
  return typeof value === 'bigint' ? value.toString() : value;
}

/** The `Root` of Lambda's `_X_AMZN_TRACE_ID` (`Root=1-…;Parent=…;Sampled=…`), as Powertools logs it. */
function traceIdFromEnv(): string | undefined {
  const header = process.env._X_AMZN_TRACE_ID;
  if (header === undefined || header === '') return undefined;
  return header.split(';')[0]?.replace('Root=', '');
}
