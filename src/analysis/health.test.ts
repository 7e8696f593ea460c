import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { HealthProber } from './health.ts';

function pod(name: string, ip: string, ready: boolean, running = true): V1Pod {
  return {
    metadata: { name, uid: name },
    status: {
      phase: 'Running',
      podIP: ip,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [{ name: 'runtime', ready, restartCount: 0, image: 'i', imageID: '', state: running ? { running: {} } : { waiting: { reason: 'ContainerCreating' } } }],
    },
  };
}

function prober(answers: Record<string, { status: number; body?: unknown } | 'refused'>) {
  const asked: string[] = [];
  let now = 0;
  const fetch = (async (url: string | URL | Request) => {
    const host = new URL(String(url)).hostname;
    asked.push(host);
    const a = answers[host];
    if (!a || a === 'refused') throw new Error('ECONNREFUSED');
    return new Response(JSON.stringify(a.body ?? {}), { status: a.status });
  }) as typeof globalThis.fetch;
  return { p: new HealthProber({ fetch, now: () => now }), asked, tick: (ms: number) => (now += ms) };
}

describe('HealthProber', () => {
  test('reports a model that failed to load, in the pod\'s own words', async () => {
    const { p } = prober({ '127.1.0.2': { status: 503, body: { ready: false, reason: 'model failed to load: protobuf parsing failed' } } });
    const failure = await p.modelFailure([pod('bad-1', '127.1.0.2', false)]);
    assert.deepEqual(failure, { reason: 'ModelLoadFailed', message: 'bad-1: model failed to load: protobuf parsing failed' });
  });

  test('tells a checksum mismatch found at load time apart', async () => {
    const { p } = prober({ '127.1.0.2': { status: 503, body: { reason: 'model failed to load: checksum mismatch: expected sha256 aa, got bb' } } });
    assert.equal((await p.modelFailure([pod('bad-1', '127.1.0.2', false)]))?.reason, 'ChecksumMismatch');
  });

  test('says nothing about pods that are still loading, not answering, Ready, or not running yet', async () => {
    const { p, asked } = prober({ '127.1.0.2': { status: 503, body: { ready: false, reason: 'model is loading' } }, '127.1.0.3': 'refused', '127.1.0.4': { status: 200 } });
    const failure = await p.modelFailure([pod('a', '127.1.0.2', false), pod('b', '127.1.0.3', false), pod('c', '127.1.0.4', true), pod('d', '127.1.0.5', false, false)]);
    assert.equal(failure, undefined);
    assert.deepEqual(asked.sort(), ['127.1.0.2', '127.1.0.3']);
    assert.equal(HealthProber.hasUnready([pod('c', '127.1.0.4', true)]), false);
  });

  test('asks the same pod at most once a second', async () => {
    const { p, asked, tick } = prober({ '127.1.0.2': { status: 503, body: { reason: 'model is loading' } } });
    await p.modelFailure([pod('a', '127.1.0.2', false)]);
    await p.modelFailure([pod('a', '127.1.0.2', false)]);
    tick(1000);
    await p.modelFailure([pod('a', '127.1.0.2', false)]);
    assert.equal(asked.length, 2);
  });
});
