import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createPreTokenGenerationHandler } from '../../shared/tokens/pre-token-generation';
import { schemaValidator } from '../support/claims-schemas';
import { mintTokens } from '../support/cognito-tokens';
import { loadEvent } from '../support/events';
import { testDeps } from './pre-token-fixtures';

const DIR = 'pre-token-generation';
// Every sample event the trigger issues tokens for (the refuse-* events get none): every event version
// (0 from emulators, 1, 2, 3) and trigger source replay and the local stack exercise.
const ISSUING = readdirSync(join(fileURLToPath(new URL('../../events', import.meta.url)), DIR))
  .filter((name) => name.endsWith('.json') && !name.startsWith('refuse-'))
  .sort();

type Event = Parameters<typeof mintTokens>[0];

async function mint(file: string, event: Event = loadEvent<Event>(`${DIR}/${file}`)) {
  const result = await createPreTokenGenerationHandler(testDeps())(event);
  return mintTokens(event, result.response);
}

describe('every token the sample events mint validates against its published version 1 schema', () => {
  it('covers events of every version and the machine-to-machine source', () => {
    // Assess
    expect(ISSUING.map((name) => name.slice(0, 2)).filter((v, i, all) => all.indexOf(v) === i)).toEqual([
      'v0',
      'v1',
      'v2',
      'v3',
    ]);
  });

  it.each(ISSUING)('%s', async (file) => {
    // Act
    const tokens = await mint(file);

    // Assess
    expect(tokens.length).toBeGreaterThan(0);
    for (const token of tokens) {
      const validate = schemaValidator(token.kind, 1);
      expect({ kind: token.kind, valid: validate(token.claims), errors: validate.errors ?? null }).toEqual({
        kind: token.kind,
        valid: true,
        errors: null,
      });
    }
  });

  it('mints the ID token and the access token from a V2 event, the access token only from V3 client credentials', async () => {
    // Act
    const user = await mint('v2-authentication.json');
    const client = await mint('v3-client-credentials.json');
    const v1 = await mint('v1-authentication.json');

    // Assess
    expect(user.map((token) => token.kind)).toEqual(['id-token-claims', 'access-token-claims']);
    expect(client.map((token) => token.kind)).toEqual(['m2m-access-token-claims']);
    expect(v1.map((token) => token.kind)).toEqual(['id-token-claims']);
  });
});

describe('the schemas refuse tokens that break the contract (controls)', () => {
  it.each([
    ['without the version claim', (claims: Record<string, unknown>) => delete claims['tenancy:v']],
    ['with version 2', (claims: Record<string, unknown>) => (claims['tenancy:v'] = 2)],
    [
      'with the version as the string "1" in an access token',
      (claims: Record<string, unknown>) => (claims['tenancy:v'] = '1'),
    ],
    ['without the tenant', (claims: Record<string, unknown>) => delete claims.tenantId],
    ['with a wildcard tenant', (claims: Record<string, unknown>) => (claims.tenantId = 'acme*')],
    ['with a tier list', (claims: Record<string, unknown>) => (claims.tier = ['standard'])],
    ['with a groups string', (claims: Record<string, unknown>) => (claims['cognito:groups'] = 'tenant-admin')],
    ['that is an ID token', (claims: Record<string, unknown>) => (claims.token_use = 'id')],
  ])('an access token %s', async (_what, tamper) => {
    // Prepare
    const [, access] = await mint('v2-authentication.json');
    if (access === undefined) throw new Error('no access token');
    tamper(access.claims);

    // Act
    const valid = schemaValidator('access-token-claims', 1)(access.claims);

    // Assess
    expect(valid).toBe(false);
  });
});
