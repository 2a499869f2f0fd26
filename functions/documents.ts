/**
 * The sample documents service behind the authorizer (`shared/documents/documents-handler.ts`): create, list,
 * get, delete and share documents of the caller's tenant. This file only reads configuration and wires
 * dependencies, once per container: a bad configuration stops the function at cold start.
 */

import { policyConfigFromEnv } from '../shared/cedar/policy-config';
import { credentialSource } from '../shared/credentials/credential-source';
import { documentsConfigFromEnv } from '../shared/documents/documents-config';
import { createDocumentsHandler } from '../shared/documents/documents-handler';
import { metadataStoreFromConfig } from '../shared/documents/metadata-store-from-config';
import { registryConfigFromEnv } from '../shared/registry/registry-config';
import { DecisionMetrics } from '../shared/runtime/decision-metrics';
import { createDynamoDBClient, TRIGGER_CLIENT_LIMITS } from '../shared/runtime/dynamodb-client';
import { logger } from '../shared/runtime/logger';

const config = documentsConfigFromEnv(process.env);
// Counts the credentials STS issues and the Cedar decisions (docs/observability.md "Metrics"); no tier: both are per tenant.
const metrics = new DecisionMetrics({ service: 'documents', tiers: [], logger });
const caller = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'documents';
const source = credentialSource(config.credentials, process.env, TRIGGER_CLIENT_LIMITS, caller, metrics);
// Metadata in the tenant data table, or in PostgreSQL as the tenant's own role (docs/postgresql.md). Awaited
// here, in the init phase: with PostgreSQL configured its modules load at cold start, not on the first request.
const metadata = await metadataStoreFromConfig(config.metadata, source, (tenantId, error) =>
  logger.warn('idle PostgreSQL connection failed', { tenantId, reason: error.message }),
);

/** The Lambda handler. */
export const handler = createDocumentsHandler({
  config,
  source,
  ...(metadata === undefined ? {} : { metadata }),
  policy: policyConfigFromEnv(process.env),
  registry: registryConfigFromEnv(process.env),
  // The registry (policy store records, memberships) is read with the function's own role: GetItem only.
  registryClient: createDynamoDBClient(),
  logger,
  metrics,
});
