// SQLSTATE classes and codes worth retrying later: connection exceptions (08), insufficient resources (53:
// too many connections, out of memory), operator intervention (57P01-57P05: shutdown, crash recovery),
// serialization failures and deadlocks (40001, 40P01). A refused sign-in (28P01), a denied privilege (42501)
// or a policy violation is not transient: retrying cannot help, and it must not look like an outage.
const TRANSIENT_SQLSTATE = /^(08|53|57P0[1-5]$|40001$|40P01$)/;
const TRANSIENT_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Whether a `pg` error means the database is unavailable for now (HTTP 503) rather than a refusal or a bug. */
export function isTransientPostgresError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (TRANSIENT_SQLSTATE.test(code) || TRANSIENT_SOCKET.has(code))) return true;
  // pg's own messages for a connection that could not be made in time or was lost.
  return /^(timeout expired|Connection terminated)/.test(error.message);
}
