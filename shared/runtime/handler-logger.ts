/** Log fields beside the message: JSON values (an `Error` is written as its name, message, stack and cause). */
export type LogAttributes = Readonly<Record<string, unknown>>;

/**
 * The logger methods a handler factory uses: the suite's `JsonLogger` (shared/runtime/logger.ts) in production,
 * a recording object in tests. Handlers call `resetKeys()` first on every invocation so no key leaks between
 * requests; `appendKeys` adds fields to every later line of the invocation (decision lines included).
 */
export interface HandlerLogger {
  debug(message: string, attributes?: LogAttributes): void;
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
  appendKeys(keys: LogAttributes): void;
  resetKeys(): void;
}
