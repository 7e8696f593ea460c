import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './load-spec.ts';

/**
 * gRPC load runs use ghz (github.com/bojand/ghz): a Go load generator that reads the .proto and sends a
 * fixed message, as wrk does for HTTP. It is a compiled client like wrk, so the CPU it takes from the
 * machine is of the same order as wrk's, not a JavaScript client's (grpc-js would cost several times the
 * server's own CPU per call on these two cores). Installed with `go install` from the Go module proxy.
 */

const GHZ_MODULE = 'github.com/bojand/ghz/cmd/ghz@v0.121.0';
const PROTO = fileURLToPath(new URL('../../runtime/grpc/grpc_predict_v2.proto', import.meta.url));

export interface GrpcLoadSpec {
  /** host:port */
  target: string;
  /** ModelInferRequest in protobuf's JSON mapping (bytes fields base64). */
  dataFile: string;
  /** Calls in flight at once. */
  concurrency: number;
  /** HTTP/2 connections they share. */
  connections: number;
  durationSeconds: number;
}

/** Path of ghz: on the PATH, in Go's bin directory, or built there now with `go install`. */
export function ensureGhz(log: (line: string) => void): string {
  const found = findGhz();
  if (found !== undefined) return found;
  log(`installing ghz (go install ${GHZ_MODULE}; a few minutes the first time)`);
  try {
    execFileSync('go', ['install', GHZ_MODULE], { stdio: 'inherit' });
  } catch (error) {
    throw new Error(`the gRPC rows need ghz: go install ${GHZ_MODULE} (${(error as Error).message})`);
  }
  const built = findGhz();
  if (built === undefined) throw new Error(`go install ${GHZ_MODULE} left no ghz in Go's bin directory`);
  return built;
}

function findGhz(): string | undefined {
  try {
    execFileSync('ghz', ['--version'], { stdio: 'ignore' });
    return 'ghz';
  } catch {
    // not on the PATH
  }
  try {
    const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim();
    const candidate = join(gopath, 'bin', 'ghz');
    return existsSync(candidate) ? candidate : undefined;
  } catch {
    return undefined;
  }
}

interface GhzReport {
  count: number;
  total: number;
  rps: number;
  average: number;
  slowest: number;
  latencyDistribution: { percentage: number; latency: number }[] | null;
  statusCodeDistribution: Record<string, number>;
  errorDistribution: Record<string, number> | null;
}

/**
 * When the duration ends ghz closes its connections under the calls still in flight (one per concurrent
 * caller) and reports them as Unavailable "use of closed network connection": its own cancellations, not
 * answers from the server.
 */
function closedByClient(report: GhzReport): number {
  return Object.entries(report.errorDistribution ?? {})
    .filter(([message]) => message.includes('use of closed network connection'))
    .reduce((sum, [, count]) => sum + count, 0);
}

export function runGhz(ghz: string, spec: GrpcLoadSpec): Promise<LoadResult> {
  const args = [
    '--insecure',
    '--proto', PROTO,
    '--call', 'inference.GRPCInferenceService.ModelInfer',
    '--data-file', spec.dataFile,
    '--concurrency', String(spec.concurrency),
    '--connections', String(spec.connections),
    '--duration', `${spec.durationSeconds}s`,
    '--timeout', '30s',
    '--format', 'json',
    spec.target,
  ];
  return new Promise((resolve, reject) => {
    execFile(ghz, args, { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      let report: GhzReport;
      try {
        report = JSON.parse(stdout) as GhzReport;
      } catch {
        return reject(new Error(`ghz failed: ${error?.message ?? 'no JSON report'}\n${stdout.slice(0, 2000)}${stderr}`));
      }
      const ok = report.statusCodeDistribution.OK ?? 0;
      const percentile = (p: number): number => (report.latencyDistribution?.find((d) => d.percentage === p)?.latency ?? 0) / 1e6;
      resolve({
        requestsPerSecond: ok / (report.total / 1e9),
        ok,
        failures: report.count - ok - closedByClient(report),
        latencyMs: { p50: percentile(50), p99: percentile(99), mean: report.average / 1e6, max: report.slowest / 1e6 },
      });
    });
  });
}
