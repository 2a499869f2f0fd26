import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A handler as the Lambda runtime calls it (the context is not needed by this suite's triggers). */
export type InvokableHandler = (event: never) => Promise<unknown>;

/** A running Lambda Invoke API stand-in. */
export interface LambdaInvokeServer {
  /** `http://127.0.0.1:<port>`, for cognito-local's `LambdaClient.endpoint`. */
  readonly endpoint: string;
  /** Function names invoked so far, in order. */
  readonly invocations: readonly string[];
  stop(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * Serves the Lambda Invoke API (`POST /2015-03-31/functions/<name>/invocations`) on 127.0.0.1 and runs the
 * named handler in this process, so cognito-local can call real trigger code without serverless-offline.
 * A thrown error is answered the way Lambda does: `X-Amz-Function-Error: Unhandled` and an `errorMessage`.
 */
export async function startLambdaInvokeServer(
  functions: Readonly<Record<string, InvokableHandler>>,
): Promise<LambdaInvokeServer> {
  const invocations: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const name = decodeURIComponent(INVOKE_PATH.exec(request.url ?? '')?.[1] ?? '');
      const handler = request.method === 'POST' ? functions[name] : undefined;
      if (handler === undefined) {
        response.writeHead(404, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'ResourceNotFoundException',
        });
        response.end(JSON.stringify({ message: `Function not found: ${name}` }));
        return;
      }
      invocations.push(name);
      try {
        const result = await handler(JSON.parse(Buffer.concat(chunks).toString('utf8')) as never);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(result ?? null));
      } catch (error) {
        response.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
        response.end(JSON.stringify({ errorType: 'Error', errorMessage: (error as Error).message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    invocations,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
