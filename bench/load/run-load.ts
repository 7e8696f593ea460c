import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load-spec.ts';

/**
 * Load runs use wrk: a C load generator that costs the two CPUs little and handles `Connection: close`
 * correctly, which gunicorn's sync workers send on every answer (autocannon ignores it, writes the next
 * request into the closing socket, and misreports that baseline). Latency probes at a fixed low rate use
 * probe-child.ts instead, since wrk cannot pace requests.
 */

const SCRIPT = fileURLToPath(new URL('./request.lua', import.meta.url));
const PROBE = fileURLToPath(new URL('./probe-child.ts', import.meta.url));

/** Finds wrk, installing Debian's package when running as root (as CI does); otherwise says how to get it. */
export function ensureWrk(log: (line: string) => void): void {
  if (hasWrk()) return;
  if (process.getuid?.() === 0) {
    log('installing wrk (apt-get install wrk)');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (hasWrk()) return;
  }
  throw new Error('the benchmark needs wrk on the PATH (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk)');
}

function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk --version exits 1 after printing its version
    return (error as { status?: number }).status === 1;
  }
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
