import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  paginateQuery,
} from '@aws-sdk/client-dynamodb';
import { PolicyEngineError } from '../../runtime/errors';
import type { ShareLink } from '../policy-set';

/** Where a tenant's shares (template links of the embedded engine) live. */
export interface ShareLinks {
  /** The tenant's links. */
  listLinks(tenantId: string): Promise<ShareLink[]>;
  /** Adds a link; `false` when it exists already (sharing twice is one share). */
  addLink(tenantId: string, link: ShareLink): Promise<boolean>;
}

const SK_PREFIX = 'SHARE#';

/**
 * Shares kept in the tenant's own data (the tenant data table: partition key `tenantId`, sort key
 * `SHARE#<linkId>`), read and written only with the tenant's scoped credentials: IAM confines every call to
 * the caller's partition, so one tenant's shares can neither be read nor written by another's requests.
 */
export class TenantDataLinks implements ShareLinks {
  constructor(
    private readonly options: {
      /** The tenant-scoped DynamoDB client of a tenant. */
      readonly clientFor: (tenantId: string) => DynamoDBClient;
      readonly tableName: string;
      readonly now?: () => Date;
    },
  ) {}

  async listLinks(tenantId: string): Promise<ShareLink[]> {
    const client = this.options.clientFor(tenantId);
    const links: ShareLink[] = [];
    const pages = paginateQuery(
      { client },
      {
        TableName: this.options.tableName,
        KeyConditionExpression: 'tenantId = :t AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':t': { S: tenantId }, ':prefix': { S: SK_PREFIX } },
      },
    );
    await this.#call('list shares', async () => {
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          const [templateId, principalSub, documentId] = [item.templateId?.S, item.principalSub?.S, item.documentId?.S];
          // An item this code did not write grants nothing.
          if (templateId === undefined || principalSub === undefined || documentId === undefined) continue;
          links.push({ linkId: (item.sk?.S ?? '').slice(SK_PREFIX.length), templateId, principalSub, documentId });
        }
      }
    });
    return links;
  }

  async addLink(tenantId: string, link: ShareLink): Promise<boolean> {
    const client = this.options.clientFor(tenantId);
    try {
      await client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            tenantId: { S: tenantId },
            sk: { S: `${SK_PREFIX}${link.linkId}` },
            templateId: { S: link.templateId },
            principalSub: { S: link.principalSub },
            documentId: { S: link.documentId },
            createdAt: { S: (this.options.now ?? (() => new Date()))().toISOString() },
          },
          ConditionExpression: 'attribute_not_exists(sk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new PolicyEngineError(`could not record a share of tenant ${tenantId}`, { cause: error });
    }
  }

  /** Removes every link of one document (its shares), e.g. when the document is deleted. */
  async removeDocumentLinks(tenantId: string, documentId: string): Promise<void> {
    const client = this.options.clientFor(tenantId);
    for (const link of await this.listLinks(tenantId)) {
      if (link.documentId !== documentId) continue;
      await this.#call('remove a share', () =>
        client.send(
          new DeleteItemCommand({
            TableName: this.options.tableName,
            Key: { tenantId: { S: tenantId }, sk: { S: `${SK_PREFIX}${link.linkId}` } },
          }),
        ),
      );
    }
  }

  async #call<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new PolicyEngineError(`could not ${what} of a tenant`, { cause: error });
    }
  }
}
