import { describe, expect, it } from 'vitest';
import { freePort, freePorts } from '../../local/free-port';

describe('local stack port allocation', () => {
  it('never hands out the same port twice in one process, though each was released before the next call', async () => {
    // Prepare: 500 draws from the kernel's ephemeral range would repeat a port several times on their own.
    const count = 500;

    // Act
    const ports = [...(await freePorts(count - 1)), await freePort()];

    // Assess
    expect(new Set(ports).size).toBe(count);
    for (const port of ports) expect(port).toBeGreaterThan(0);
  });
});
