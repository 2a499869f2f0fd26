/** STS limits a role session name to 64 characters of `[\w+=,.@-]`. */
const MAX_LENGTH = 64;
const UNSAFE = /[^\w+=,.@-]/g;

/**
 * The role session name of a tenant session: `<tenantId>@<caller>`, cut to STS's 64 characters. CloudTrail
 * shows it in the assumed-role ARN of every data call, so the tenant comes first and whole (tenant ids are at
 * most 63 characters); the caller (the function name) fills what is left. The user is deliberately not in it:
 * sessions are shared by a tenant's users (docs/credentials.md "Tenant-scoped credentials": no `SourceIdentity`).
 */
export function roleSessionName(tenantId: string, caller: string): string {
  return `${tenantId}@${caller.replace(UNSAFE, '-')}`.slice(0, MAX_LENGTH);
}
