import { createServer } from 'node:net';

// Ports this process has handed out. The kernel may give a just-released port to the next `listen(0)`, so
// two calls made before either port is bound by its server could otherwise return the same port.
const handedOut = new Set<number>();
const ATTEMPTS = 100;

/**
 * A TCP port on 127.0.0.1 that was free a moment ago and that this process has never handed out before: every
 * server of the local stack (and anything added to it) asks here, so no two of them get the same port.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = await probe();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port on 127.0.0.1 after ${ATTEMPTS} attempts`);
}

/** `count` distinct free ports (see `freePort`). */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  return ports;
}

function probe(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}
