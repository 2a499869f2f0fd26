import { TenancyError } from '../shared/runtime/errors';

/** A part of the local stack cannot be started (no Java, no package, bad setting); the message says what to do. */
export class LocalStackError extends TenancyError {
  override name = 'LocalStackError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, userMessage: 'The local stack could not be started.' });
  }
}

/** Why a start ended without an answer: the limit passed, the process exited, or the caller aborted. */
export type StartFailure = 'timeout' | 'exited' | 'aborted';

/**
 * A server of the local stack did not answer within the start-up limit, exited while starting, or its start was
 * aborted. The message names the server and ends with the tail of what it printed; by the time this is thrown,
 * the process and its whole process group are gone (`pid` is the group's id, for tests that check that).
 */
export class StartFailedError extends LocalStackError {
  override name = 'StartFailedError';
  constructor(
    /** What was started, e.g. `DynamoDB Local on http://127.0.0.1:8000`. */
    readonly what: string,
    readonly failure: StartFailure,
    /** The start-up limit that applied (local/start-timeout.ts). */
    readonly limitMs: number,
    /** The last characters the process wrote to stdout and stderr. */
    readonly output: string,
    /** The process (and process group) id; absent for in-process servers. */
    readonly pid?: number,
  ) {
    const reason = {
      timeout: `did not answer within ${limitMs} ms (raise LOCAL_STACK_START_TIMEOUT_MS on a busy machine)`,
      exited: 'exited before it answered',
      aborted: 'was interrupted while starting',
    }[failure];
    const tail = output.trim();
    super(`${what} ${reason}${tail === '' ? ' and printed nothing' : `; it printed:\n${tail}`}`);
  }
}
