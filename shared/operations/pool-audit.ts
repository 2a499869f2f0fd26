import type { IdentityProviderType, UserPoolClientType, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';

/** Everything `doctor` looks at, as the Describe* APIs report it. */
export interface PoolSnapshot {
  readonly pool: UserPoolType;
  readonly clients: readonly UserPoolClientType[];
  /** `undefined` when the identity providers could not be listed (the reason is in `identityProvidersError`). */
  readonly identityProviders: readonly IdentityProviderType[] | undefined;
  readonly identityProvidersError?: string;
}

/** `unsafe`: a tenant boundary or suspension can be bypassed, or the suite cannot do its job. */
export type Severity = 'ok' | 'warning' | 'unsafe';

/** One line of the audit. */
export interface Finding {
  readonly severity: Severity;
  readonly subject: string;
  readonly message: string;
}

/** Which functions should be the pool's triggers (`<service>-<stage>-<function>`), and the suite's settings. */
export interface ExpectedTriggers {
  readonly service: string;
  readonly stage: string;
  /** `TENANCY_IDP_GROUPS_ATTRIBUTE`, when IdP groups are mapped to roles. */
  readonly idpGroupsAttribute?: string | undefined;
  /** The deploy's `preTokenVersion`; when absent, V2_0 and V3_0 both pass. */
  readonly preTokenVersion?: PreTokenVersion | undefined;
}

/** The pre token generation versions the suite deploys (`--param="preTokenVersion=…"`). */
export const PRE_TOKEN_VERSIONS = ['V2_0', 'V3_0'] as const;
export type PreTokenVersion = (typeof PRE_TOKEN_VERSIONS)[number];

// The scope that lets a token's holder call UpdateUserAttributes on their own user.
const SELF_SERVICE_SCOPE = 'aws.cognito.signin.user.admin';

const TENANT_ATTRIBUTE = 'custom:tenantId';
const TRIGGERS = [
  ['PreSignUp', 'preSignUp'],
  ['PostConfirmation', 'postConfirmation'],
  ['PreTokenGeneration', 'preTokenGeneration'],
] as const;
const REPLACE_HINT = 'a deploy refuses to replace another function unless --param="replaceTriggers=true"';

/**
 * Audits a user pool against what the suite relies on (ARCHITECTURE.md "The one rule"): `custom:tenantId` exists
 * and is mutable; no app client can write it and every client lists its attributes explicitly; no identity
 * provider maps onto it; the triggers are this suite's functions (another function on a slot is named: a deploy
 * would refuse to replace it), pre token generation in both of its fields and at V2_0 or V3_0 (the deploy's
 * `preTokenVersion` when given) on a feature plan that allows it. Pure: the snapshot is read elsewhere.
 */
export function auditPool(snapshot: PoolSnapshot, expected: ExpectedTriggers): Finding[] {
  return [
    ...auditAttribute(snapshot.pool),
    ...snapshot.clients.flatMap((client) => auditClient(client, expected.idpGroupsAttribute)),
    ...auditIdentityProviders(snapshot),
    ...auditTriggers(snapshot.pool, expected),
  ];
}

function auditAttribute(pool: UserPoolType): Finding[] {
  const attribute = pool.SchemaAttributes?.find((entry) => entry.Name === TENANT_ATTRIBUTE);
  if (attribute === undefined) {
    return [unsafe(TENANT_ATTRIBUTE, 'does not exist: add it (String, mutable) to the pool schema')];
  }
  if (attribute.Mutable !== true) {
    return [unsafe(TENANT_ATTRIBUTE, 'is immutable: the suite writes it after sign-up, so it must be mutable')];
  }
  if (attribute.DeveloperOnlyAttribute === true) {
    return [unsafe(TENANT_ATTRIBUTE, 'is developer-only (dev:custom:): admin APIs write it as custom:tenantId')];
  }
  return [ok(TENANT_ATTRIBUTE, 'exists and is mutable')];
}

function auditClient(client: UserPoolClientType, idpGroupsAttribute: string | undefined): Finding[] {
  const subject = `app client ${client.ClientName ?? '?'} (${client.ClientId ?? '?'})`;
  const findings: Finding[] = [];
  const write = client.WriteAttributes;
  // DescribeUserPoolClient omits the lists when they are the defaults, which allow every attribute.
  if (write === undefined || write.length === 0) {
    findings.push(
      unsafe(
        subject,
        'does not list WriteAttributes: by default users can write every attribute, custom:tenantId included',
      ),
    );
  } else if (write.includes(TENANT_ATTRIBUTE)) {
    findings.push(unsafe(subject, 'lets users write custom:tenantId (remove it from WriteAttributes)'));
  } else {
    findings.push(ok(subject, 'cannot write custom:tenantId'));
  }
  // The IdP-groups attribute must be writable for the IdP mapping, but with the self-service scope a federated
  // user could rewrite it between sign-ins and be granted mapped roles (within their own tenant) on refresh.
  if (
    idpGroupsAttribute !== undefined &&
    write?.includes(idpGroupsAttribute) === true &&
    client.AllowedOAuthScopes?.includes(SELF_SERVICE_SCOPE) === true
  ) {
    findings.push(
      unsafe(
        subject,
        `grants ${SELF_SERVICE_SCOPE} while ${idpGroupsAttribute} is writable: users could grant themselves mapped roles`,
      ),
    );
  }
  if (client.ReadAttributes === undefined || client.ReadAttributes.length === 0) {
    findings.push(warning(subject, 'does not list ReadAttributes: users can read every attribute'));
  }
  return findings;
}

function auditIdentityProviders(snapshot: PoolSnapshot): Finding[] {
  if (snapshot.identityProviders === undefined) {
    return [
      warning('identity providers', `could not be listed: ${snapshot.identityProvidersError ?? 'unknown error'}`),
    ];
  }
  return snapshot.identityProviders.map((provider) => {
    const subject = `identity provider ${provider.ProviderName ?? '?'}`;
    const mapping = provider.AttributeMapping ?? {};
    // Cognito re-applies mappings at every federated sign-in, and a mapped attribute must be client-writable.
    return Object.hasOwn(mapping, TENANT_ATTRIBUTE)
      ? unsafe(subject, `maps ${mapping[TENANT_ATTRIBUTE]} onto custom:tenantId: the IdP would choose the tenant`)
      : ok(subject, 'does not map onto custom:tenantId');
  });
}

function auditTriggers(pool: UserPoolType, expected: ExpectedTriggers): Finding[] {
  const config = pool.LambdaConfig ?? {};
  const findings: Finding[] = [];
  for (const [trigger, fn] of TRIGGERS) {
    const subject = `trigger ${trigger}`;
    const wanted = `${expected.service}-${expected.stage}-${fn}`;
    // Pre token generation lives in two fields, which Cognito requires to name the same function.
    const values =
      trigger === 'PreTokenGeneration'
        ? [config.PreTokenGeneration, config.PreTokenGenerationConfig?.LambdaArn]
        : [config[trigger]];
    const found = [...new Set(values.filter((value): value is string => value !== undefined))];
    const foreign = found.filter((arn) => !arn.endsWith(`:function:${wanted}`));
    if (found.length === 0) {
      findings.push(unsafe(subject, `is not set; expected ${wanted}`));
    } else if (foreign.length > 0) {
      findings.push(unsafe(subject, `is ${foreign.join(' and ')}; expected ${wanted} (${REPLACE_HINT})`));
    } else if (trigger === 'PreTokenGeneration') {
      findings.push(preTokenVersionFinding(config.PreTokenGenerationConfig?.LambdaVersion, expected.preTokenVersion));
    } else {
      findings.push(ok(subject, 'is this suite'));
    }
  }
  const tier = pool.UserPoolTier ?? 'ESSENTIALS';
  findings.push(
    tier === 'LITE'
      ? unsafe('feature plan', 'is Lite: pre token generation V2_0/V3_0 needs Essentials or Plus')
      : ok('feature plan', `is ${tier}`),
  );
  return findings;
}

function preTokenVersionFinding(version: string | undefined, expected: PreTokenVersion | undefined): Finding {
  const subject = 'trigger PreTokenGeneration';
  if (version !== 'V2_0' && version !== 'V3_0') {
    return unsafe(subject, `runs at ${version ?? 'V1_0'}: access tokens get no tenant claims (use V2_0)`);
  }
  if (expected !== undefined && version !== expected) {
    return unsafe(
      subject,
      `runs at ${version}, but the deploy sets preTokenVersion=${expected}` +
        (expected === 'V3_0' ? ': machine-to-machine tokens get no tenant claims' : ''),
    );
  }
  return ok(subject, `is this suite at ${version}`);
}

const ok = (subject: string, message: string): Finding => ({ severity: 'ok', subject, message });
const warning = (subject: string, message: string): Finding => ({ severity: 'warning', subject, message });
const unsafe = (subject: string, message: string): Finding => ({ severity: 'unsafe', subject, message });
