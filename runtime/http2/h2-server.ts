import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { H2Connection } from './h2-connection.ts';
import type { ConnectionOptions } from './h2-connection.ts';
import { DEFAULT_WINDOW } from './frames.ts';

/**
 * A cleartext HTTP/2 listener (prior knowledge, no TLS and no HTTP/1.1 upgrade: what gRPC clients and
 * meshes speak to a pod): a TCP server whose connections are H2Connections.
 */
export type ServerOptions = Omit<ConnectionOptions, 'onClose'> & {
  onConnection?: (connection: H2Connection) => void;
  onClosed?: (connection: H2Connection) => void;
};

export class H2Server {
  readonly #server: Server;
  readonly #connections = new Set<H2Connection>();

  constructor(options: ServerOptions) {
    // Clients may send the protocol's default window on a stream before they have read this server's settings.
    if ((options.streamReceiveWindow ?? DEFAULT_WINDOW) < DEFAULT_WINDOW) throw new Error(`a stream receive window under ${DEFAULT_WINDOW} octets`);
    const onClose = (connection: H2Connection): void => {
      this.#connections.delete(connection);
      options.onClosed?.(connection);
    };
    const connectionOptions: ConnectionOptions = { ...options, onClose };
    this.#server = createServer({ noDelay: true }, (socket) => {
      const connection = new H2Connection(socket, connectionOptions);
      this.#connections.add(connection);
      options.onConnection?.(connection);
    });
  }

  get connections(): ReadonlySet<H2Connection> {
    return this.#connections;
  }

  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return (this.#server.address() as AddressInfo).port;
  }

  /** Errors of the listening socket once it is up (out of file descriptors, say). */
  onError(listener: (error: Error) => void): void {
    this.#server.on('error', listener);
  }

  /** Stops accepting connections; open ones carry on. */
  stopAccepting(): void {
    if (this.#server.listening) this.#server.close();
  }
}
