import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load-spec.ts';
import { ensureHostPrograms } from '../../proving-ground/lib/debian-packages.ts';

/**
 * Load runs use wrk: a C load generator that costs the two CPUs little and handles `Connection: close`
 * correctly, which gunicorn's sync workers send on every answer (autocannon ignores it, writes the next
 * request into the closing socket, and misreports that baseline). Latency probes at a fixed low rate use
 * probe-child.ts instead, since wrk cannot pace requests.
 */

const SCRIPT = fileURLToPath(new URL('./request.lua', import.meta.url));
const PROBE = fileURLToPath(new URL('./probe-child.ts', import.meta.url));

/**
 * The load generators the benches drive: wrk (HTTP/1.1) and h2load (HTTP/2, for gRPC: run-grpc-load.ts).
 * Installed from Debian's packages when run as root, as the proving ground installs its programs
 * (proving-ground/lib/debian-packages.ts); anywhere else the error names what to install.
 */
export function ensureLoadGenerators(log: (line: string) => void): Promise<void> {
  return ensureHostPrograms(
    [
      { command: 'wrk', debianPackage: 'wrk' },
      { command: 'h2load', debianPackage: 'nghttp2-client' },
    ],
    log,
  );
}

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.ratePerSecond !== undefined) return runProbe(spec);
  const env = {
    ...process.env,
    BENCH_METHOD: spec.method,
    BENCH_BODY_FILE: spec.bodyFile ?? '',
    BENCH_HEADERS: Object.entries(spec.headers)
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
  };
  const args = ['-t1', `-c${spec.connections}`, `-d${spec.durationSeconds}s`, '--timeout', '30s', '-s', SCRIPT, spec.url];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { env, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const line = stdout.split('\n').find((text) => text.startsWith('BENCH_RESULT '));
      if (error || line === undefined) return reject(new Error(`wrk failed: ${error?.message ?? 'no result'}\n${stdout}${stderr}`));
      const raw = JSON.parse(line.slice('BENCH_RESULT '.length)) as Record<string, number>;
      const ok = raw.requests! - raw.non2xx!;
      resolve({
        requestsPerSecond: ok / (raw.durationMicros! / 1e6),
        ok,
        failures: raw.non2xx! + raw.socketErrors!,
        latencyMs: { p50: raw.p50!, p99: raw.p99!, mean: raw.mean!, max: raw.max! },
      });
    });
  });
}

function runProbe(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [PROBE, JSON.stringify(spec)], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`probe failed: ${error.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as LoadResult);
    });
  });
}
