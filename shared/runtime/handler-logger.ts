import type { Logger } from '@aws-lambda-powertools/logger';

/**
 * The logger methods a handler factory uses: the suite's Powertools `logger` in production, a recording
 * object in tests. Handlers call `resetKeys()` first on every invocation so no key leaks between requests.
 */
export type HandlerLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error' | 'appendKeys' | 'resetKeys'>;
