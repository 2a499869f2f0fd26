import { InvalidInputError } from '../runtime/errors';
import { normalizeEmailDomain } from './email-domain';

/**
 * What places a new user in a tenant: a whole user pool (silo), a federated IdP of a pool, an app client
 * (bridge), or a verified e-mail domain. Each binding belongs to at most one tenant.
 */
export type Binding =
  | { readonly kind: 'pool'; readonly userPoolId: string }
  | { readonly kind: 'idp'; readonly userPoolId: string; readonly providerName: string }
  | { readonly kind: 'client'; readonly clientId: string }
  | { readonly kind: 'domain'; readonly domain: string };

export type BindingKind = Binding['kind'];
export const BINDING_KINDS: readonly BindingKind[] = ['pool', 'idp', 'client', 'domain'];

// Cognito's own formats: `<region>_<id>` pool ids, word-character client ids, 1-32 character provider names.
const USER_POOL_ID = /^[a-z]{2}(?:-[a-z]+)+-\d_[0-9A-Za-z]{1,55}$/;
const CLIENT_ID = /^[\w+]{1,128}$/;
const PROVIDER_NAME = /^[^_\s][^\s]{0,30}[^_\s]$|^[^_\s]$/u;

/** Returns `value` when it has the form of a Cognito user pool id (`us-east-1_AbC123`). */
export function assertUserPoolId(value: string): string {
  if (!USER_POOL_ID.test(value)) {
    throw new InvalidInputError(
      `invalid user pool id ${JSON.stringify(value)} (expected e.g. us-east-1_AbC123)`,
      'userPoolId',
    );
  }
  return value;
}

/** Whether `value` has the form of a Cognito app client id. */
export function isValidClientId(value: unknown): value is string {
  return typeof value === 'string' && CLIENT_ID.test(value);
}

/** Builds a validated, normalised binding from its parts. */
export function makeBinding(kind: BindingKind, value: string, providerName?: string): Binding {
  switch (kind) {
    case 'pool':
      return { kind, userPoolId: assertUserPoolId(value) };
    case 'idp':
      if (providerName === undefined || !PROVIDER_NAME.test(providerName)) {
        throw new InvalidInputError(`invalid identity provider name ${JSON.stringify(providerName)}`, 'providerName');
      }
      return { kind, userPoolId: assertUserPoolId(value), providerName };
    case 'client':
      if (!isValidClientId(value))
        throw new InvalidInputError(`invalid app client id ${JSON.stringify(value)}`, 'clientId');
      return { kind, clientId: value };
    case 'domain':
      return { kind, domain: normalizeEmailDomain(value) };
  }
}

/** The registry partition key of a binding item. */
export function bindingKey(binding: Binding): string {
  switch (binding.kind) {
    case 'pool':
      return `POOL#${binding.userPoolId}`;
    case 'idp':
      return `IDP#${binding.userPoolId}#${binding.providerName}`;
    case 'client':
      return `CLIENT#${binding.clientId}`;
    case 'domain':
      return `DOMAIN#${binding.domain}`;
  }
}

/** Parses a key made by `bindingKey`; `undefined` for anything else. */
export function parseBindingKey(key: string): Binding | undefined {
  const [prefix, first, ...rest] = key.split('#');
  if (first === undefined || first === '') return undefined;
  switch (prefix) {
    case 'POOL':
      return rest.length === 0 ? { kind: 'pool', userPoolId: first } : undefined;
    case 'IDP':
      return rest.length > 0 ? { kind: 'idp', userPoolId: first, providerName: rest.join('#') } : undefined;
    case 'CLIENT':
      return rest.length === 0 ? { kind: 'client', clientId: first } : undefined;
    case 'DOMAIN':
      return rest.length === 0 ? { kind: 'domain', domain: first } : undefined;
    default:
      return undefined;
  }
}

/** Human-readable description, e.g. `domain acme.example` or `idp AcmeSAML of us-east-1_Abc`. */
export function describeBinding(binding: Binding): string {
  switch (binding.kind) {
    case 'pool':
      return `pool ${binding.userPoolId}`;
    case 'idp':
      return `idp ${binding.providerName} of ${binding.userPoolId}`;
    case 'client':
      return `client ${binding.clientId}`;
    case 'domain':
      return `domain ${binding.domain}`;
  }
}
