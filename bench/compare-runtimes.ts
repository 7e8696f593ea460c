/**
 * `node bench/compare-runtimes.ts <other checkout> [--duration s] [--rounds n] [--connections n]`: the tiny
 * model's REST throughput (JSON tensors, and the binary tensor extension) served by this checkout's runtime
 * and by another checkout's (say `git worktree add /tmp/base main`), measured in alternating rounds on the
 * same machine at the same time, best round of each. The ratio is what the "no more than 3% slower" rule of
 * a runtime change is judged by; a shared machine's other load reaches both sides alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureWrk, runLoad } from './load/run-load.ts';
import type { LoadSpec } from './load/load-spec.ts';
import { freePort, spawnServer } from './servers/spawn-server.ts';
import type { RunningServer } from './servers/spawn-server.ts';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
  },
});
const other = positionals[0];
if (other === undefined) throw new Error('usage: node bench/compare-runtimes.ts <other checkout> [--duration s] [--rounds n]');
const durationSeconds = Number(flags.duration);
const rounds = Number(flags.rounds);
const connections = Number(flags.connections);
const here = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'modelship-compare-'));
const FEATURES = [0.038, 0.051, 0.062, 0.022, -0.044, -0.035, -0.043, -0.003, 0.02, -0.018];

async function start(checkout: string): Promise<{ server: RunningServer; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const model = join(here, 'runtime/fixtures/linear_regression.onnx');
  const args = [join(checkout, 'runtime/main.ts'), 'serve', model, '--name', 'tiny', '--host', '127.0.0.1', '--port', String(port), '--grpc-port', 'off', '--log-level', 'warn'];
  return { server: await spawnServer(process.execPath, args, `${base}/v2/health/ready`), base };
}

function loads(base: string): Record<string, LoadSpec> {
  const json = join(scratch, 'tiny.json');
  writeFileSync(json, JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 10], data: FEATURES }] }));
  const features = Buffer.from(new Float32Array(FEATURES).buffer);
  const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 10], parameters: { binary_data_size: features.byteLength } }], parameters: { binary_data_output: true } }));
  const binary = join(scratch, 'tiny.bin');
  writeFileSync(binary, Buffer.concat([header, features]));
  const url = `${base}/v2/models/tiny/infer`;
  return {
    'REST JSON': { url, method: 'POST', headers: { 'content-type': 'application/json' }, bodyFile: json, connections, durationSeconds },
    'REST binary': {
      url, method: 'POST', headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) }, bodyFile: binary, connections, durationSeconds,
    },
  };
}

try {
  ensureWrk((line) => process.stderr.write(`compare: ${line}\n`));
  const sides = { this: await start(here), other: await start(resolve(other)) };
  const best: Record<string, Record<string, number>> = {};
  /** Server CPU microseconds per answered request, lowest round: less swayed than req/s by other load. */
  const cpu: Record<string, Record<string, number>> = {};
  try {
    for (const side of Object.values(sides)) await runLoad({ ...loads(side.base)['REST JSON']!, durationSeconds: 3 });
    const loadBefore = loadavg()[0]!;
    for (let round = 1; round <= rounds; round++) {
      for (const [kind] of Object.entries(loads(sides.this.base))) {
        for (const [name, side] of Object.entries(sides)) {
          const cpuBefore = side.server.cpuSeconds();
          const result = await runLoad(loads(side.base)[kind]!);
          const micros = ((side.server.cpuSeconds() - cpuBefore) * 1e6) / Math.max(1, result.ok);
          const row = (best[kind] ??= {});
          row[name] = Math.max(row[name] ?? 0, result.requestsPerSecond);
          const cpuRow = (cpu[kind] ??= {});
          cpuRow[name] = Math.min(cpuRow[name] ?? Number.POSITIVE_INFINITY, micros);
          process.stderr.write(
            `compare: round ${round} ${kind} ${name}: ${result.requestsPerSecond.toFixed(0)} req/s, ${micros.toFixed(1)} CPU us/req (${result.failures} failures)\n`,
          );
        }
      }
    }
    console.log(`tiny model, best of ${rounds} alternating rounds of ${durationSeconds} s, ${connections} connections; load average ${loadBefore.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}`);
    for (const [kind, row] of Object.entries(best)) {
      const micros = cpu[kind]!;
      console.log(
        `${kind.padEnd(12)} this ${row.this!.toFixed(0)} req/s, other ${row.other!.toFixed(0)} req/s, ratio ${(row.this! / row.other!).toFixed(3)}; ` +
          `CPU us/req this ${micros.this!.toFixed(1)}, other ${micros.other!.toFixed(1)}, ratio ${(micros.other! / micros.this!).toFixed(3)} (above 1: this is cheaper)`,
      );
    }
  } finally {
    await sides.this.server.stop();
    await sides.other.server.stop();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
