import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { createNodeNetwork } from './node-network.ts';
import { createPodNetns } from './pod-network.ts';
import { firstPodAddress } from './addresses.ts';
import type { ClusterAddresses } from './addresses.ts';

const SERVER = `require('node:http').createServer((q, s) => s.end(process.argv[1])).listen(8080, '0.0.0.0', () => console.log('up'))`;
const CLIENT = `fetch(process.argv[1]).then((r) => r.text()).then((t) => console.log(t), (e) => { console.log('failed', e.cause?.code ?? e.message); })`;

function inNetns(netns: string, script: string, arg: string): ChildProcess {
  return spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', script, arg], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function output(child: ChildProcess): Promise<string> {
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await once(child, 'exit');
  return text.trim();
}

/**
 * What of one cluster's network the host still has: its namespaces, its host link, routes to its pod and
 * Service ranges. Only this cluster's names are looked for, so clusters other runs start meanwhile don't count.
 */
function leftoversOf(a: ClusterAddresses): string[] {
  const run = (...args: string[]): string[] => execFileSync('ip', args, { encoding: 'utf8' }).split('\n');
  const mine = (line: string): boolean =>
    line.split(/\s+/).some((word) => word === a.nodeNetns || word.startsWith(`${a.nodeNetns}-`) || word === a.hostLink || word.startsWith(`${a.hostLink}@`)) ||
    line.startsWith(`${a.podCidr} `) ||
    line.startsWith(`${a.serviceCidr} `);
  return [...run('netns', 'list'), ...run('-br', 'link'), ...run('route')].filter(mine);
}

test('pods get their own namespaces on a bridge, reachable from the host and each other, and leave nothing behind', async () => {
  const network = await createNodeNetwork();
  const servers: ChildProcess[] = [];
  try {
    const { addresses } = network;
    const ipA = firstPodAddress(addresses);
    const ipB = ipA.replace(/\.2$/, '.3');
    const a = await createPodNetns(addresses, 'aaaaaaaa-0000-0000-0000-000000000001', ipA);
    const b = await createPodNetns(addresses, 'bbbbbbbb-0000-0000-0000-000000000002', ipB);
    // Both listen on 0.0.0.0:8080: no conflict, each in its own namespace.
    for (const [pod, name] of [[a, 'pod-a'], [b, 'pod-b']] as const) {
      const server = inNetns(pod.name, SERVER, name);
      servers.push(server);
      const [line] = (await once(server.stdout!, 'data')) as [Buffer];
      assert.equal(line.toString().trim(), 'up');
    }
    // The host reaches pod IPs through its route into the node namespace.
    assert.equal(await (await fetch(`http://${ipA}:8080/`)).text(), 'pod-a');
    assert.equal(await (await fetch(`http://${ipB}:8080/`)).text(), 'pod-b');
    // A pod reaches another pod's IP, and its own port on localhost.
    assert.equal(await output(inNetns(a.name, CLIENT, `http://${ipB}:8080/`)), 'pod-b');
    assert.equal(await output(inNetns(b.name, CLIENT, 'http://127.0.0.1:8080/')), 'pod-b');
    // Nothing beyond the host: the node namespace has no default route.
    assert.match(await output(inNetns(a.name, CLIENT, 'http://198.51.100.1:80/')), /^failed (EHOSTUNREACH|ENETUNREACH)/);
  } finally {
    for (const server of servers) server.kill();
    await Promise.all(servers.map((server) => (server.exitCode === null ? once(server, 'exit') : undefined)));
    await network.remove();
  }
  assert.deepEqual(leftoversOf(network.addresses), []);
});
