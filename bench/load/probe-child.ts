/**
 * Paced probes (health checks while the server is saturated): one request at a time over a keep-alive
 * connection, `ratePerSecond` of them, like a kubelet or Prometheus would send. Prints one JSON line.
 * Usage: node bench/load/probe-child.ts '<LoadSpec as JSON>'
 */
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadResult, LoadSpec } from './load-spec.ts';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const intervalMs = 1000 / (spec.ratePerSecond ?? 50);
const latencies: number[] = [];
let failures = 0;
const endAt = performance.now() + spec.durationSeconds * 1000;

function probe(): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = performance.now();
    const req = request(spec.url, { method: spec.method, headers: spec.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - sent) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

while (performance.now() < endAt) {
  const started = performance.now();
  try {
    latencies.push(await probe());
  } catch {
    failures++;
  }
  await sleep(Math.max(0, intervalMs - (performance.now() - started)));
}
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (p: number): number => round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0);
const result: LoadResult = {
  requestsPerSecond: latencies.length / spec.durationSeconds,
  ok: latencies.length,
  failures,
  latencyMs: { p50: at(50), p99: at(99), mean: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)), max: round(latencies.at(-1) ?? 0) },
};
process.stdout.write(`${JSON.stringify(result)}\n`);

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
