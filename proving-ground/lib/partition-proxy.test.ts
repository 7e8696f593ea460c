import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'node:test';
import { PartitionProxy } from './partition-proxy.ts';

function echoServer() {
  const server = createServer((s) => s.pipe(s));
  return new Promise<{ port: number; close: () => void }>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, close: () => server.close() })),
  );
}

function roundTrip(port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write('ping'));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('no answer');
    }, timeoutMs);
    socket.on('data', (d) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(d.toString());
    });
    socket.on('error', () => resolve('error'));
  });
}

test('bytes pass until the cut, then new and open connections hang; close ends everything at once', async () => {
  const echo = await echoServer();
  const proxy = await PartitionProxy.start('127.0.0.1', echo.port);
  try {
    assert.equal(await roundTrip(proxy.port, 2_000), 'ping');
    const open = connect(proxy.port, '127.0.0.1');
    await new Promise((r) => open.once('connect', r));
    proxy.cut();
    assert.equal(await roundTrip(proxy.port, 300), 'no answer');
    const started = Date.now();
    await proxy.close();
    assert.ok(Date.now() - started < 1_000, 'close waited on held connections');
    open.destroy();
  } finally {
    echo.close();
  }
});
