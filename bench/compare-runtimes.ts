/**
 * `node bench/compare-runtimes.ts <other checkout> [--duration s] [--rounds n] [--connections n]`: the tiny
 * model's REST throughput (JSON tensors, and the binary tensor extension) served by this checkout's runtime
 * and by another checkout's (say `git worktree add /tmp/base main`), in pairs of rounds with each side's
 * server alone, judged by the pairs' median ratio (load/paired-rounds.ts says why). The ratio is what the
 * "no more than 3% slower" rule of a runtime change is judged by. `--rounds` is the number of pairs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureLoadGenerators } from './load/run-load.ts';
import type { LoadSpec } from './load/load-spec.ts';
import { runPairs } from './load/paired-rounds.ts';
import type { PairSide } from './load/paired-rounds.ts';
import { freePort, spawnServer } from './servers/spawn-server.ts';
import type { RunningServer } from './servers/spawn-server.ts';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '7' },
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

function side(label: string, checkout: string, kind: string): PairSide {
  return {
    label,
    start: async () => {
      const { server, base } = await start(checkout);
      return { server, load: loads(base)[kind]! };
    },
  };
}

try {
  const log = (line: string): void => void process.stderr.write(`compare: ${line}\n`);
  await ensureLoadGenerators(log);
  const loadBefore = loadavg()[0]!;
  const lines: string[] = [];
  for (const kind of ['REST JSON', 'REST binary']) {
    log(`${kind}: ${rounds} pairs of ${durationSeconds} s rounds, this checkout and ${other}`);
    const result = await runPairs(side('this', here, kind), side('other', resolve(other), kind), rounds, log);
    lines.push(
      `${kind.padEnd(12)} this ${result.first.requestsPerSecond.toFixed(0)} req/s, other ${result.second.requestsPerSecond.toFixed(0)} req/s, ` +
        `ratio ${result.ratio.toFixed(3)} (pairs: ${result.pairRatios.join(' ')}); CPU us/req this ${result.first.cpuMicrosPerRequest}, ` +
        `other ${result.second.cpuMicrosPerRequest}, ratio ${(1 / result.cpuRatio).toFixed(3)} (above 1: this is cheaper)`,
    );
  }
  console.log(`tiny model, medians of ${rounds} pairs of ${durationSeconds} s rounds, ${connections} connections; load average ${loadBefore.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}`);
  for (const line of lines) console.log(line);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
