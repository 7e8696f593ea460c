// A TCP proxy on the machine that can cut a client off from a server the way a network partition does: once
// cut, bytes in either direction are held back and new connections are accepted but go nowhere, so the
// client's requests hang instead of failing fast. Tests put it between one operator replica and the API
// server to show what that replica does when it can no longer reach the cluster.
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

export class PartitionProxy {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  /** Every socket this proxy holds, forwarded or held back, so close() can end them all. */
  private readonly sockets = new Set<Socket>();
  private cutOff = false;

  private constructor(server: Server) {
    this.server = server;
  }

  /**
   * Listens on the target's own address (any free port), so a client's TLS still sees the name its
   * certificate was issued for, and forwards to target host:port.
   */
  static async start(targetHost: string, targetPort: number): Promise<PartitionProxy> {
    const server = createServer();
    const proxy = new PartitionProxy(server);
    server.on('connection', (client) => proxy.accept(client, targetHost, targetPort));
    await new Promise<void>((resolve) => server.listen(0, targetHost, resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** From now on nothing passes: connections stay open, their bytes wait. */
  cut(): void {
    this.cutOff = true;
    for (const [client, upstream] of this.pairs) {
      client.pause();
      upstream.pause();
    }
  }

  /** Ends every connection, held back or not, then stops listening. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private hold(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private accept(client: Socket, host: string, port: number): void {
    client.on('error', () => undefined);
    this.hold(client);
    if (this.cutOff) {
      // Accepted by the kernel, never answered: as a SYN that reached a half-dead path.
      client.pause();
      return;
    }
    const upstream = connect(port, host);
    this.hold(upstream);
    upstream.on('error', () => client.destroy());
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const forget = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', forget);
    upstream.on('close', forget);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
