import { createServer } from 'node:net';

/**
 * Asks the kernel for a free TCP port on `host`. Another process could take
 * it before we bind it; components that lose that race fail with "address
 * already in use" in their log, which the start-up error quotes.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port the kernel assigned'));
      });
    });
  });
}
