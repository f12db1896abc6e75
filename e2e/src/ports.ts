// Ports for a cluster's listeners. Taken below the kernel's ephemeral range (32768-60999 here),
// where outgoing connections of every process on the host draw their local ports: a port found
// free there (port 0) can be taken by someone's client socket before our server binds it.
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

const LOW = 20_000;
const HIGH = 32_000;
const ATTEMPTS_MAX = 200;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Allocates distinct ports on 127.0.0.1 that were free when checked. */
export class PortAllocator {
  private readonly taken = new Set<number>();

  async next(): Promise<number> {
    for (let attempt = 0; attempt < ATTEMPTS_MAX; attempt++) {
      const port = randomInt(LOW, HIGH);
      if (this.taken.has(port)) continue;
      if (await bindable(port)) {
        this.taken.add(port);
        return port;
      }
    }
    throw new Error(`no free port found in ${LOW}-${HIGH} after ${ATTEMPTS_MAX} attempts`);
  }
}
