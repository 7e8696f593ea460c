import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import type { LoadResult } from './load-spec.ts';

/**
 * gRPC load runs use h2load (nghttp2's HTTP/2 load generator, Debian package nghttp2-client; installed with
 * wrk by run-load.ts's ensureLoadGenerators): a C client of
 * the same class as wrk, which the REST rows use. A unary gRPC call is an HTTP/2 POST with
 * `content-type: application/grpc`, `te: trailers` and one length-prefixed message, so h2load sends the
 * serialised ModelInferRequest as its body. ghz, used before, spends about 140 µs of client CPU per call
 * against wrk's 13 µs; on two shared cores that CPU came out of the server's, and the gRPC row measured
 * the load generator.
 *
 * h2load judges an answer by its HTTP status only, and gRPC puts failures in trailers (`grpc-status`) under
 * HTTP 200. So the answers counted as ok are at most what the server's own counters recorded as OK calls
 * during the run (`countOk`, read before and after): a run of failing calls counts as failures, not speed.
 */

export interface GrpcLoadSpec {
  /** http://host:port/package.Service/Method */
  url: string;
  /** One gRPC message frame: a zero compression byte, the length (big-endian), the serialised request. */
  frameFile: string;
  connections: number;
  /** Calls in flight on each connection. */
  streamsPerConnection: number;
  durationSeconds: number;
  /** The server's count of calls answered OK so far. */
  countOk: () => Promise<number>;
}

export async function runGrpcLoad(spec: GrpcLoadSpec): Promise<LoadResult> {
  const logFile = `${spec.frameFile}.${process.pid}.${Date.now()}.log`;
  const args = [
    '-D', String(spec.durationSeconds),
    '-c', String(spec.connections),
    '-m', String(spec.streamsPerConnection),
    '-H', 'content-type: application/grpc',
    '-H', 'te: trailers',
    '-d', spec.frameFile,
    '--log-file', logFile,
    spec.url,
  ];
  const okBefore = await spec.countOk();
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('h2load', args, { maxBuffer: 1 << 20 }, (error, out, stderr) => (error ? reject(new Error(`h2load failed: ${error.message}\n${out}${stderr}`)) : resolve(out)));
  });
  const okByServer = (await spec.countOk()) - okBefore;
  try {
    return summarise(stdout, readFileSync(logFile, 'utf8'), okByServer);
  } finally {
    rmSync(logFile, { force: true });
  }
}

/** h2load's summary and per-request log, bounded by what the server counted as OK. */
export function summarise(stdout: string, requestLog: string, okByServer: number): LoadResult {
  const finished = /finished in ([\d.]+)s/.exec(stdout);
  const requests = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(stdout);
  if (!finished || !requests) throw new Error(`h2load printed no summary:\n${stdout}`);
  const seconds = Number(finished[1]);
  const done = Number(requests[3]);
  const succeeded = Number(requests[4]);
  const ok = Math.min(succeeded, okByServer);
  const latencies = requestLog
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => Number(line.split('\t')[2]) / 1000)
    .sort((a, b) => a - b);
  const at = (p: number): number => (latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!);
  const mean = latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length);
  const round = (ms: number): number => Math.round(ms * 100) / 100;
  return {
    requestsPerSecond: ok / seconds,
    ok,
    failures: done - ok,
    latencyMs: { p50: round(at(50)), p99: round(at(99)), mean: round(mean), max: round(latencies.at(-1) ?? 0) },
  };
}
