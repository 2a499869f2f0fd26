import { roleConfigFromEnv } from '../../shared/assignment/assignment-config';
import { inviteUser, validateInvitation } from '../../shared/operations/invitation';
import { adoptPool } from '../../shared/operations/pool-adoption';
import {
  auditPool,
  type PoolSnapshot,
  PRE_TOKEN_VERSIONS,
  type PreTokenVersion,
} from '../../shared/operations/pool-audit';
import { readPoolSnapshot } from '../../shared/operations/pool-snapshot';
import { assertUserPoolId } from '../../shared/registry/binding';
import { InvalidInputError } from '../../shared/runtime/errors';
import { type CliCommand, optionalString, positional, requiredOption } from '../command';
import { formatAdoption, formatInvitation } from '../directory-report';
import { errorLine } from '../error-line';

const POOL_OPTION = {
  type: 'string',
  value: '<userPoolId>',
  help: 'the Cognito user pool, e.g. us-east-1_AbC123',
} as const;

/** `invite`: reserve a seat, create the user with `custom:tenantId`, add the role group. */
export const invite: CliCommand = {
  name: 'invite',
  args: '<email>',
  summary: 'reserve a seat, create the user in the pool with custom:tenantId and add the role group',
  registry: 'write',
  writesPool: true,
  options: {
    tenant: { type: 'string', value: '<tenantId>', help: 'the tenant the user joins' },
    pool: POOL_OPTION,
    role: { type: 'string', value: '<role>', help: 'a role group (default TENANCY_MEMBER_ROLE)' },
  },
  prepare: (input) => {
    const roles = roleConfigFromEnv(input.env);
    const request = validateInvitation(
      {
        email: positional(input, 0),
        tenantId: requiredOption(input, 'invite', 'tenant'),
        userPoolId: requiredOption(input, 'invite', 'pool'),
        role: optionalString(input, 'role'),
      },
      roles,
    );
    return {
      userPoolId: request.userPoolId,
      run: async ({ registry, directory, print }) => {
        const result = await inviteUser({ registry, directory, roles }, request);
        print(result, () => formatInvitation(result));
        return 0;
      },
    };
  },
};

/** `adopt`: record memberships for pool users that already carry a known tenant's id. */
export const adopt: CliCommand = {
  name: 'adopt',
  args: '',
  summary: 'record memberships for pool users that already carry custom:tenantId of a known tenant',
  registry: 'write',
  options: { pool: POOL_OPTION },
  prepare: (input) => {
    const roles = roleConfigFromEnv(input.env);
    const userPoolId = assertUserPoolId(requiredOption(input, 'adopt', 'pool'));
    return {
      userPoolId,
      run: async ({ registry, directory, print }) => {
        const report = await adoptPool({ registry, directory, roles }, userPoolId);
        print(report, () => formatAdoption(report));
        return 0;
      },
    };
  },
};

const SEVERITY_LABEL = { ok: 'ok    ', warning: 'warn  ', unsafe: 'UNSAFE' } as const;

/** `doctor`'s exit codes: a pipeline tells an unsafe pool from one it could not check (docs/deploy.md "Checking a pool: `tenants doctor`"). */
export const DOCTOR_EXIT = { ok: 0, unsafe: 1, couldNotCheck: 3 } as const;

/**
 * `doctor`: a read-only audit of a pool. Exit 1 when anything is unsafe (even if a part could not be read:
 * what was read is already unsafe); else 3 when a part could not be checked (a Describe/List call failed:
 * permissions, throttling, a missing pool, an emulator without the API); else 0. Bad input stays 2.
 */
export const doctor: CliCommand = {
  name: 'doctor',
  args: '',
  summary:
    "audit a pool: tenant attribute, clients' write lists, IdP mappings, triggers (exit 1 unsafe, 3 could not check)",
  options: {
    pool: POOL_OPTION,
    stage: { type: 'string', value: '<stage>', help: 'the deployed stage (default dev)' },
    service: { type: 'string', value: '<service>', help: 'the service name (default cognito-tenancy)' },
    'idp-groups-attribute': {
      type: 'string',
      value: '<custom:name>',
      help: 'the IdP-mapped attribute carrying IdP groups, if configured',
    },
    'pre-token-version': {
      type: 'string',
      value: '<V2_0|V3_0>',
      help: "the deploy's preTokenVersion; the pool must run pre token generation at it (default: either)",
    },
  },
  prepare: (input) => {
    const userPoolId = assertUserPoolId(requiredOption(input, 'doctor', 'pool'));
    const expected = {
      service: optionalString(input, 'service') ?? 'cognito-tenancy',
      stage: optionalString(input, 'stage') ?? 'dev',
      idpGroupsAttribute: optionalString(input, 'idp-groups-attribute'),
      preTokenVersion: preTokenVersion(optionalString(input, 'pre-token-version')),
    };
    return {
      userPoolId,
      run: async ({ cognito, json, out, err }) => {
        let snapshot: PoolSnapshot;
        try {
          snapshot = await readPoolSnapshot(cognito, userPoolId);
        } catch (error) {
          err(`error: could not check user pool ${userPoolId}: ${errorLine(error, [`user pool ${userPoolId}`])}`);
          return DOCTOR_EXIT.couldNotCheck;
        }
        const findings = auditPool(snapshot, expected);
        if (json) out(JSON.stringify(findings, null, 2));
        else for (const f of findings) out(`${SEVERITY_LABEL[f.severity]}  ${f.subject}: ${f.message}`);
        if (findings.some((finding) => finding.severity === 'unsafe')) return DOCTOR_EXIT.unsafe;
        if (snapshot.identityProviders === undefined) {
          err('error: could not check the identity providers (see the line above); the rest of the pool is safe');
          return DOCTOR_EXIT.couldNotCheck;
        }
        return DOCTOR_EXIT.ok;
      },
    };
  },
};

function preTokenVersion(value: string | undefined): PreTokenVersion | undefined {
  if (value === undefined || (PRE_TOKEN_VERSIONS as readonly string[]).includes(value)) {
    return value as PreTokenVersion | undefined;
  }
  throw new InvalidInputError(
    `--pre-token-version must be ${PRE_TOKEN_VERSIONS.join(' or ')}, got "${value}"`,
    'preTokenVersion',
  );
}
