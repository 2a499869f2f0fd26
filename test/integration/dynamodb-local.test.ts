import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistryTable, localDynamoDBClient, startDynamoDBLocal } from '../../local/dynamodb-local';
import { LocalStackError } from '../../local/local-stack-error';

describe('DynamoDB Local harness', () => {
  const originalPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = originalPath;
  });

  it('starts DynamoDB Local on 127.0.0.1, creates the registry table and stops the process', async () => {
    // Prepare
    const dynamo = await startDynamoDBLocal();
    const client = localDynamoDBClient(dynamo.endpoint);

    // Act
    await createRegistryTable(client, 'registry');
    await createRegistryTable(client, 'registry');
    const tables = await client.send(new ListTablesCommand({}));
    await dynamo.stop();
    const afterStop = client.send(new ListTablesCommand({}));

    // Assess
    expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(tables.TableNames).toEqual(['registry']);
    await expect(afterStop).rejects.toThrow();
    client.destroy();
  });

  it('says what to install when java is missing', async () => {
    // Prepare
    process.env.PATH = '/nonexistent';

    // Act
    const start = startDynamoDBLocal();

    // Assess
    await expect(start).rejects.toBeInstanceOf(LocalStackError);
    await expect(start).rejects.toThrow(
      'DynamoDB Local needs a Java runtime (17 or newer) on the PATH: install one, e.g. `apt-get install openjdk-17-jre-headless`.',
    );
  });
});
