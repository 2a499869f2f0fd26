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

  it('finds an existing table beyond the first ListTables page, and two creators racing both succeed', async () => {
    // Prepare: more tables than one ListTables page holds (100), as the full suite leaves in its shared instance;
    // the table to open again sorts last.
    const dynamo = await startDynamoDBLocal();
    const client = localDynamoDBClient(dynamo.endpoint);
    const names = Array.from({ length: 105 }, (_, i) => `t-${String(i).padStart(3, '0')}`);
    for (const name of names) await createRegistryTable(client, name);

    // Act
    const again = createRegistryTable(client, 't-104');
    const racing = Promise.all([createRegistryTable(client, 'z-race'), createRegistryTable(client, 'z-race')]);
    const outcomes = await Promise.allSettled([again, racing]);
    const firstPage = await client.send(new ListTablesCommand({}));
    await dynamo.stop();
    client.destroy();

    // Assess
    expect(firstPage.TableNames).toHaveLength(100);
    expect(firstPage.TableNames).not.toContain('t-104');
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled']);
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
