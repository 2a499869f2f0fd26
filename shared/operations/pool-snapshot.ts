import {
  type CognitoIdentityProviderClient,
  DescribeIdentityProviderCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  type IdentityProviderType,
  paginateListIdentityProviders,
  paginateListUserPoolClients,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import { TenancyError } from '../runtime/errors';
import type { PoolSnapshot } from './pool-audit';

/**
 * Reads what `auditPool` needs with Describe/List calls only (read-only IAM: DescribeUserPool,
 * ListUserPoolClients, DescribeUserPoolClient, ListIdentityProviders, DescribeIdentityProvider).
 */
export async function readPoolSnapshot(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
): Promise<PoolSnapshot> {
  const described = await client.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }));
  if (described.UserPool === undefined) throw new TenancyError(`user pool ${userPoolId} not found`);
  const clients: UserPoolClientType[] = [];
  for await (const page of paginateListUserPoolClients({ client, pageSize: 60 }, { UserPoolId: userPoolId })) {
    for (const summary of page.UserPoolClients ?? []) {
      const detail = await client.send(
        new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: summary.ClientId }),
      );
      if (detail.UserPoolClient !== undefined) clients.push(detail.UserPoolClient);
    }
  }

  let identityProviders: IdentityProviderType[] | undefined = [];
  let identityProvidersError: string | undefined;
  try {
    for await (const page of paginateListIdentityProviders({ client, pageSize: 60 }, { UserPoolId: userPoolId })) {
      for (const summary of page.Providers ?? []) {
        const detail = await client.send(
          new DescribeIdentityProviderCommand({ UserPoolId: userPoolId, ProviderName: summary.ProviderName }),
        );
        if (detail.IdentityProvider !== undefined) identityProviders.push(detail.IdentityProvider);
      }
    }
  } catch (error) {
    // Emulators lack these APIs; a real pool answers. Reported as a warning, never as "no providers".
    identityProviders = undefined;
    identityProvidersError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  return { pool: described.UserPool, clients, identityProviders, identityProvidersError };
}
