/**
 * `npm run bench:runtime`: the runtime against its yardsticks, in one run, with one load generator
 * (wrk; see bench/load/run-load.ts for why not autocannon) and the same models:
 *
 *   tiny model (linear regression, 10 features): our runtime over REST with JSON tensors, REST with the
 *   binary tensor extension and gRPC with raw contents (h2load; bench/load/run-grpc-load.ts), a raw node:http +
 *   onnxruntime-node server (the stack's limit) and Flask + scikit-learn under gunicorn -w 2 (the seed
 *   baseline);
 *   CNN-sized model (light_resnet50): our runtime vs batched session.run in-process;
 *   health: /v2/health/ready p99, probed 50 times a second, while the CNN saturates inference;
 *   probes under abuse: /v2/health/live p99 and peak RSS while two clients send maximum-size requests
 *   back to back to the tiny model (bench/load/abuse.ts);
 *   prediction summaries: the tiny model with --prediction-summaries on vs off (bench/load/summaries.ts).
 *
 * Each contender and its yardstick are measured in alternating rounds and the best round of each counts:
 * on a shared machine, other work comes and goes, and alternating keeps both sides exposed to it alike.
 * Prints a table and, as its last line, a JSON summary.
 * Flags: --duration <s> (default 10), --connections <n> (default 16), --rounds <n> (default 3),
 * --summary-pairs <n> (default 9; pairs of 5 s rounds for the summaries' cost, judged by their median),
 * --only summaries|abuse|cnn (just the summaries' on/off ratio, the probes-under-abuse line, or the CNN rows
 * with their health probe).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureVenv } from '../runtime/fixtures/python-venv.ts';
import { FIXTURES } from '../runtime/fixtures/paths.ts';
import { ensureLoadGenerators, runLoad } from './load/run-load.ts';
import { runGrpcLoad } from './load/run-grpc-load.ts';
import { INFERENCE_SERVICE } from '../runtime/grpc/proto.ts';
import type { LoadResult, LoadSpec } from './load/load-spec.ts';
import { freePort, spawnServer } from './servers/spawn-server.ts';
import { ABUSE_GOALS, ABUSE_SETTINGS, abuseFlags, probesUnderAbuse } from './load/abuse.ts';
import type { AbuseResult } from './load/abuse.ts';
import type { RunningServer } from './servers/spawn-server.ts';
import { SUMMARIES_GOAL, benchSummaries } from './load/summaries.ts';

const GOALS = { tinyVsSeed: 3.0, tinyVsRaw: 0.9, grpcVsRestBinary: 1.0, grpcVsRestJson: 1.0, cnnVsBatchedInProcess: 0.95, healthP99Ms: 10 };

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
    'summary-pairs': { type: 'string', default: '9' },
    only: { type: 'string' },
  },
});
const durationSeconds = Number(flags.duration);
const connections = Number(flags.connections);
const rounds = Math.max(1, Number(flags.rounds));
// The summaries' cost is a few percent at most: many short pairs, judged by their median (bench/load/summaries.ts).
const summaryPairs = Math.max(1, Number(flags['summary-pairs']));
const SUMMARY_ROUND_SECONDS = 5;
// A CNN batch takes seconds on two cores: measure long enough for several batches to finish, with fewer
// connections so that answers come back often enough to count.
const cnnSeconds = Math.max(20, durationSeconds * 2);
const CNN_CONNECTIONS = 8;
/** Batch sizes the in-process yardstick tries, each for a short calibration run; the best is then measured. */
const CNN_BATCH_SIZES = [4, 8, 16];
const CNN_CALIBRATION_SECONDS = 4;
const repo = fileURLToPath(new URL('..', import.meta.url));
const node = process.execPath;
const scratch = mkdtempSync(join(tmpdir(), 'modelship-bench-'));
const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

// One row of the diabetes data set (the same features for every server).
const FEATURES = [0.038, 0.051, 0.062, 0.022, -0.044, -0.035, -0.043, -0.003, 0.02, -0.018];

interface Measurement {
  name: string;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  rssMiB: number;
  /** Server CPU time per answered request: less sensitive than req/s to other load on the machine. */
  cpuMicrosPerRequest: number;
  failures: number;
}

interface InProcessResult {
  imagesPerSecond: number;
  /** The batch size that rate was measured at. */
  batch: number;
  byBatch: Record<string, number>;
}

function bodyFile(name: string, content: string | Buffer): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

function post(url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): LoadSpec {
  return { url, method: 'POST', headers, bodyFile: body, connections, durationSeconds };
}

function healthProbe(base: string, seconds: number): LoadSpec {
  return { url: `${base}/v2/health/ready`, method: 'GET', headers: {}, connections: 1, durationSeconds: seconds, ratePerSecond: 50 };
}

/** One measured run against a running server (wrk for a LoadSpec, or any other load run); `probe`, when given, runs alongside it. */
async function measure(
  name: string,
  server: RunningServer,
  load: LoadSpec | (() => Promise<LoadResult>),
  probe?: LoadSpec,
): Promise<{ measurement: Measurement; probe?: LoadResult }> {
  const cpuBefore = server.cpuSeconds();
  const run = typeof load === 'function' ? load() : runLoad(load);
  const [result, probed] = await Promise.all([run, probe === undefined ? undefined : runLoad(probe)]);
  const cpuSeconds = server.cpuSeconds() - cpuBefore;
  const measurement: Measurement = {
    name,
    requestsPerSecond: Math.round(result.requestsPerSecond * 10) / 10,
    latencyP50Ms: result.latencyMs.p50,
    latencyP99Ms: result.latencyMs.p99,
    rssMiB: Math.round(server.rssMiB()),
    cpuMicrosPerRequest: Math.round((cpuSeconds * 1e6) / Math.max(1, result.ok)),
    failures: result.failures,
  };
  return probed === undefined ? { measurement } : { measurement, probe: probed };
}

async function warmUp(load: LoadSpec): Promise<void> {
  await runLoad({ ...load, durationSeconds: 3 });
}

function best<T>(items: T[], score: (item: T) => number): T {
  return items.reduce((winner, item) => (score(item) > score(winner) ? item : winner));
}

async function startRuntime(model: string, name: string, extraArgs: string[] = []): Promise<{ server: RunningServer; base: string; grpc: string }> {
  const port = await freePort();
  const grpcPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = ['runtime/main.ts', 'serve', model, '--name', name, '--host', '127.0.0.1', '--port', String(port), '--grpc-port', String(grpcPort), '--log-level', 'warn', ...extraArgs];
  return { server: await spawnServer(node, args, `${base}/v2/health/ready`), base, grpc: `127.0.0.1:${grpcPort}` };
}

async function inProcessCnn(seconds: number, batches: number[]): Promise<InProcessResult> {
  const { stdout } = await promisify(execFile)(node, ['bench/servers/cnn-in-process.ts', FIXTURES.cnn, String(seconds), batches.join(',')], { encoding: 'utf8' });
  return JSON.parse(stdout.trim().split('\n').pop()!) as InProcessResult;
}

function cnnBinaryBody(): { path: string; headerLength: number } {
  const pixels = new Float32Array(3 * 224 * 224).fill(0.5);
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ name: 'gpu_0/data_0', datatype: 'FP32', shape: [1, 3, 224, 224], parameters: { binary_data_size: pixels.byteLength } }],
      outputs: [{ name: 'gpu_0/softmax_1', parameters: { binary_data: true } }],
    }),
  );
  return { path: bodyFile('cnn.bin', Buffer.concat([header, Buffer.from(pixels.buffer)])), headerLength: header.byteLength };
}

/** The tiny request three ways: JSON tensors, the binary tensor extension, and gRPC raw contents (one message frame). */
function tinyBodies(): { json: string; binary: { path: string; headerLength: number }; grpc: string } {
  const json = bodyFile('tiny.json', JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 10], data: FEATURES }] }));
  const features = Buffer.from(new Float32Array(FEATURES).buffer);
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 10], parameters: { binary_data_size: features.byteLength } }],
      parameters: { binary_data_output: true },
    }),
  );
  const binary = { path: bodyFile('tiny.bin', Buffer.concat([header, features])), headerLength: header.byteLength };
  const request = { model_name: 'tiny', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 10] }], raw_input_contents: [features] };
  return { json, binary, grpc: bodyFile('tiny-grpc.bin', grpcFrame(INFERENCE_SERVICE.ModelInfer!.requestSerialize(request))) };
}

/** gRPC's length-prefixed message: no compression, the length big-endian, the message. */
function grpcFrame(message: Buffer): Buffer {
  const frame = Buffer.alloc(5 + message.byteLength);
  frame.writeUInt32BE(message.byteLength, 1);
  message.copy(frame, 5);
  return frame;
}

/** gRPC calls the runtime answered OK so far, from its own counters (h2load cannot read gRPC trailers). */
async function grpcOkCount(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('modelship_requests_total{') && l.includes('protocol="grpc"') && l.includes('code="200"'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function benchTiny(gunicorn: string) {
  const bodies = tinyBodies();
  const tinyBody = bodies.json;
  const ours = await startRuntime(FIXTURES.linearRegression, 'tiny');
  const rawPort = await freePort();
  const raw = await spawnServer(node, ['bench/servers/raw-node-server.ts', FIXTURES.linearRegression, 'tiny', String(rawPort)], `http://127.0.0.1:${rawPort}/ready`);
  const oursLoad = post(`${ours.base}/v2/models/tiny/infer`, tinyBody);
  const rawLoad = post(`http://127.0.0.1:${rawPort}/v2/models/tiny/infer`, tinyBody);
  const binaryLoad = post(`${ours.base}/v2/models/tiny/infer`, bodies.binary.path, {
    'content-type': 'application/octet-stream',
    'inference-header-content-length': String(bodies.binary.headerLength),
  });
  // `connections` calls in flight over 4 HTTP/2 connections, as gRPC clients share channels.
  const grpcSpec = { url: `http://${ours.grpc}/inference.GRPCInferenceService/ModelInfer`, frameFile: bodies.grpc, connections: 4 };
  const grpcLoad = (seconds = durationSeconds) =>
    runGrpcLoad({ ...grpcSpec, streamsPerConnection: Math.max(1, connections / 4), durationSeconds: seconds, countOk: () => grpcOkCount(ours.base) });
  const oursRounds: { measurement: Measurement; probe?: LoadResult }[] = [];
  const rawRounds: Measurement[] = [];
  const binaryRounds: Measurement[] = [];
  const grpcRounds: Measurement[] = [];
  try {
    await warmUp(oursLoad);
    await warmUp(rawLoad);
    await grpcLoad(3);
    for (let round = 1; round <= rounds; round++) {
      oursRounds.push(await measure('modelship runtime', ours.server, oursLoad, healthProbe(ours.base, durationSeconds)));
      binaryRounds.push((await measure('modelship runtime, REST binary tensors', ours.server, binaryLoad)).measurement);
      grpcRounds.push((await measure('modelship runtime, gRPC raw contents', ours.server, grpcLoad)).measurement);
      rawRounds.push((await measure('raw node:http + onnxruntime-node', raw, rawLoad)).measurement);
      log(
        `  round ${round}: ours ${oursRounds.at(-1)!.measurement.requestsPerSecond} req/s (binary ${binaryRounds.at(-1)!.requestsPerSecond}, ` +
          `gRPC ${grpcRounds.at(-1)!.requestsPerSecond}), raw ${rawRounds.at(-1)!.requestsPerSecond} req/s`,
      );
    }
  } finally {
    await ours.server.stop();
    await raw.stop();
  }

  const flaskPort = await freePort();
  const flask = await spawnServer(
    gunicorn,
    ['-w', '2', '--chdir', join(repo, 'bench/servers'), '-b', `127.0.0.1:${flaskPort}`, '--log-level', 'warning', 'flask_app:app'],
    `http://127.0.0.1:${flaskPort}/health`,
  );
  let seed: Measurement;
  try {
    const flaskLoad = post(`http://127.0.0.1:${flaskPort}/predict`, bodyFile('flask.json', JSON.stringify({ features: FEATURES })));
    await warmUp(flaskLoad);
    // The seed is an order of magnitude slower; one round is enough to place it.
    seed = (await measure('Flask + scikit-learn, gunicorn -w 2', flask, flaskLoad)).measurement;
    log(`  seed: ${seed.requestsPerSecond} req/s`);
  } finally {
    await flask.stop();
  }
  const bestOurs = best(oursRounds, (round) => round.measurement.requestsPerSecond);
  const fastest = (items: Measurement[]): Measurement => best(items, (round) => round.requestsPerSecond);
  return {
    ours: bestOurs.measurement,
    binary: fastest(binaryRounds),
    grpc: fastest(grpcRounds),
    healthUnderTinyLoad: bestOurs.probe!,
    raw: fastest(rawRounds),
    seed,
  };
}

async function benchAbuse(): Promise<AbuseResult> {
  const ours = await startRuntime(FIXTURES.linearRegression, 'tiny', abuseFlags());
  try {
    // Idle means settled after start-up: warm-up done, nothing in flight.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return await probesUnderAbuse(ours.server, ours.base, 'tiny', durationSeconds);
  } finally {
    await ours.server.stop();
  }
}

async function benchCnn() {
  const cnn = cnnBinaryBody();
  const ours = await startRuntime(FIXTURES.cnn, 'cnn');
  const load: LoadSpec = {
    ...post(`${ours.base}/v2/models/cnn/infer`, cnn.path, {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(cnn.headerLength),
    }),
    durationSeconds: cnnSeconds,
    connections: CNN_CONNECTIONS,
  };
  const oursRounds: { measurement: Measurement; probe?: LoadResult }[] = [];
  const inProcessRounds: InProcessResult[] = [];
  let calibration: InProcessResult;
  try {
    await warmUp(load);
    // The yardstick's batch size is picked once, and each round then measures it for as long as ours: the best
    // of several short samples per round would read higher than ours' one long sample from noise alone.
    calibration = await inProcessCnn(CNN_CALIBRATION_SECONDS, CNN_BATCH_SIZES);
    log(`  in-process batch size ${calibration.batch} (calibration, images/s by batch: ${Object.entries(calibration.byBatch).map(([batch, rate]) => `${batch}: ${rate.toFixed(1)}`).join(', ')})`);
    for (let round = 1; round <= rounds; round++) {
      // The health probe runs beside the yardstick too (answered by our idle runtime), so that both sides
      // share the two cores with the same probe traffic: at 50 a second it costs our rounds about 4%.
      const [inProcess] = await Promise.all([inProcessCnn(cnnSeconds, [calibration.batch]), runLoad(healthProbe(ours.base, cnnSeconds))]);
      inProcessRounds.push(inProcess);
      oursRounds.push(await measure('modelship runtime (CNN, binary tensors)', ours.server, load, healthProbe(ours.base, cnnSeconds)));
      const last = oursRounds.at(-1)!;
      log(`  round ${round}: in-process ${inProcessRounds.at(-1)!.imagesPerSecond.toFixed(1)} images/s, ours ${last.measurement.requestsPerSecond} req/s, health p99 ${last.probe!.latencyMs.p99} ms`);
    }
  } finally {
    await ours.server.stop();
  }
  const bestOurs = best(oursRounds, (round) => round.measurement.requestsPerSecond);
  // Health is judged over every saturated round, not just the fastest one.
  const worstHealth = best(oursRounds.map((round) => round.probe!), (probe) => probe.latencyMs.p99);
  return { ours: bestOurs.measurement, inProcess: best(inProcessRounds, (round) => round.imagesPerSecond), calibration: calibration.byBatch, health: worstHealth };
}

function summariesBench() {
  log(`prediction summaries: ${summaryPairs} pairs of ${SUMMARY_ROUND_SECONDS} s rounds, tiny model on vs off`);
  return benchSummaries({ scratch, features: FEATURES, connections, durationSeconds: SUMMARY_ROUND_SECONDS, rounds: summaryPairs, log });
}

/** `--only summaries`: the one ratio, printed the same way, for a quick check. */
async function onlySummaries(): Promise<void> {
  const summaries = await summariesBench();
  console.log(`summaries on vs off:        ${summaries.ratio.toFixed(3)} (goal >= ${SUMMARIES_GOAL}: ${summaries.ratio >= SUMMARIES_GOAL ? 'met' : 'MISSED'})`);
  console.log(`  pairs' ratios, sorted:     ${summaries.pairRatios.join(' ')}`);
  console.log(`CPU per request on vs off:  ${summaries.cpuRatio.toFixed(3)} (${summaries.onCpuMicrosPerRequest} vs ${summaries.offCpuMicrosPerRequest} us)`);
  console.log(JSON.stringify({ durationSeconds: SUMMARY_ROUND_SECONDS, connections, pairs: summaryPairs, summaries, met: { summariesOnVsOff: summaries.ratio >= SUMMARIES_GOAL } }));
}

/** A figure against its goal, as every goal line prints it. */
function verdict(value: number, goal: number, atLeast: boolean): string {
  return `${value.toFixed(2)} (goal ${atLeast ? '>=' : '<'} ${goal}: ${(atLeast ? value >= goal : value < goal) ? 'met' : 'MISSED'})`;
}

/** `--only cnn`: the CNN rows and the health probe beside them, printed as in the full run. */
async function onlyCnn(): Promise<void> {
  log(`CNN-sized model: ${rounds} alternating rounds (in-process batches, then our runtime for ${cnnSeconds} s, ${CNN_CONNECTIONS} connections)`);
  const loadBefore = loadavg()[0]!;
  const cnn = await benchCnn();
  const ratio = cnn.ours.requestsPerSecond / cnn.inProcess.imagesPerSecond;
  const { requestsPerSecond, cpuMicrosPerRequest } = cnn.ours;
  console.log(`ours ${requestsPerSecond} req/s (${cpuMicrosPerRequest} CPU us/req), batched in-process ${cnn.inProcess.imagesPerSecond.toFixed(1)} images/s`);
  console.log(`CNN vs batched in-process:  ${verdict(ratio, GOALS.cnnVsBatchedInProcess, true)}`);
  const healthP99Ms = cnn.health.latencyMs.p99;
  console.log(`health p99 ms:              ${verdict(healthP99Ms, GOALS.healthP99Ms, false)}; worst round, ${cnn.health.ok} probes`);
  console.log(`load average (1 min) before/after: ${loadBefore.toFixed(2)} / ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} CPUs`);
}

async function benchAbuseLogged(): Promise<AbuseResult> {
  const { maxRows, maxElements, maxBodyBytes } = ABUSE_SETTINGS;
  log(
    `probes under abuse: two clients sending ${durationSeconds} s of maximum-size requests to the tiny model ` +
      `(${maxRows} rows, ${maxRows * 10} of ${maxElements} elements, a body one byte under ${maxBodyBytes})`,
  );
  return benchAbuse();
}

function printAbuse(abuse: AbuseResult): void {
  const { bodyBytes, rows, elements } = abuse.request;
  console.log(
    `probes under abuse (two clients sending ${bodyBytes}-byte V1 requests of ${rows} rows, ${elements} elements, back to back): ` +
      `/v2/health/live p99 ${abuse.live.latencyMs.p99} ms, max ${abuse.live.latencyMs.max} ms (${abuse.live.ok} probes, ${abuse.live.failures} failed); ` +
      `peak RSS ${abuse.peakRssMiB} MiB (idle ${abuse.idleRssMiB} MiB); abusive answers ${JSON.stringify(abuse.abusiveAnswers)}, ${abuse.abusiveMiBSent} MiB sent`,
  );
  console.log(`live p99 ms under abuse:    ${verdict(abuse.live.latencyMs.p99, ABUSE_GOALS.liveP99Ms, false)}`);
  console.log(`peak RSS MiB under abuse:   ${verdict(abuse.peakRssMiB, abuse.rssGoalMiB, false)} (goal: 2 x idle + the ${ABUSE_SETTINGS.maxBodyBytes / 2 ** 20} MiB body limit)`);
}

async function main(): Promise<void> {
  if (flags.only !== undefined && !['abuse', 'summaries', 'cnn'].includes(flags.only)) {
    throw new Error(`--only takes 'summaries', 'abuse' or 'cnn', not '${flags.only}'`);
  }
  execFileSync(node, ['runtime/fixtures/setup.ts'], { cwd: repo, stdio: 'inherit' });
  process.chdir(repo);
  // The abuse line needs neither wrk nor the yardsticks: its probes are paced ones (probe-child.ts).
  if (flags.only === 'abuse') return printAbuse(await benchAbuseLogged());
  log('preparing wrk, h2load and the Python baseline');
  await ensureLoadGenerators(log);
  if (flags.only === 'summaries') return onlySummaries();
  if (flags.only === 'cnn') return onlyCnn();
  const python = ensureVenv(join(repo, 'bench/.venv'), join(repo, 'bench/requirements.txt'), log);
  const loadBefore = loadavg()[0]!;

  log(`tiny model: ${rounds} alternating rounds of ${durationSeconds} s, ${connections} connections`);
  const tiny = await benchTiny(join(python, '..', 'gunicorn'));
  log(`CNN-sized model: ${rounds} alternating rounds (in-process batches, then our runtime for ${cnnSeconds} s, ${CNN_CONNECTIONS} connections)`);
  const cnn = await benchCnn();
  const abuse = await benchAbuseLogged();
  const summaries = await summariesBench();
  const loadAfter = loadavg()[0]!;

  const ratios = {
    tinyVsSeed: tiny.ours.requestsPerSecond / tiny.seed.requestsPerSecond,
    tinyVsRaw: tiny.ours.requestsPerSecond / tiny.raw.requestsPerSecond,
    grpcVsRestBinary: tiny.grpc.requestsPerSecond / tiny.binary.requestsPerSecond,
    grpcVsRestJson: tiny.grpc.requestsPerSecond / tiny.ours.requestsPerSecond,
    cnnVsBatchedInProcess: cnn.ours.requestsPerSecond / cnn.inProcess.imagesPerSecond,
    summariesOnVsOff: summaries.ratio,
  };
  const healthP99Ms = cnn.health.latencyMs.p99;

  const pad = (text: string, width: number): string => text.padEnd(width);
  console.log('');
  console.log(pad('server', 44) + pad('req/s', 10) + pad('p50 ms', 10) + pad('p99 ms', 10) + pad('RSS MiB', 9) + pad('CPU us/req', 12) + 'failures');
  for (const row of [tiny.ours, tiny.binary, tiny.grpc, tiny.raw, tiny.seed, cnn.ours]) {
    console.log(
      pad(row.name, 44) +
        pad(String(row.requestsPerSecond), 10) +
        pad(String(row.latencyP50Ms), 10) +
        pad(String(row.latencyP99Ms), 10) +
        pad(String(row.rssMiB), 9) +
        pad(String(row.cpuMicrosPerRequest), 12) +
        String(row.failures),
    );
  }
  console.log(pad('batched session.run in-process (CNN)', 44) + `${cnn.inProcess.imagesPerSecond.toFixed(1)} images/s at batch ${cnn.inProcess.batch}`);
  console.log(`health p99 while the CNN saturates inference: ${healthP99Ms} ms (${cnn.health.ok} probes, ${cnn.health.failures} failed)`);
  console.log(`health p99 while the tiny model saturates the runtime: ${tiny.healthUnderTinyLoad.latencyMs.p99} ms`);
  console.log(`load average (1 min) before/after: ${loadBefore.toFixed(2)} / ${loadAfter.toFixed(2)} on ${availableParallelism()} CPUs`);
  console.log('');
  console.log(`tiny vs seed:               ${verdict(ratios.tinyVsSeed, GOALS.tinyVsSeed, true)}`);
  console.log(`tiny vs raw:                ${verdict(ratios.tinyVsRaw, GOALS.tinyVsRaw, true)}`);
  console.log(`gRPC raw vs REST binary:    ${verdict(ratios.grpcVsRestBinary, GOALS.grpcVsRestBinary, true)}`);
  console.log(`gRPC raw vs REST JSON:      ${verdict(ratios.grpcVsRestJson, GOALS.grpcVsRestJson, true)}`);
  console.log(`CNN vs batched in-process:  ${verdict(ratios.cnnVsBatchedInProcess, GOALS.cnnVsBatchedInProcess, true)}`);
  console.log(`health p99 ms:              ${verdict(healthP99Ms, GOALS.healthP99Ms, false)}`);
  printAbuse(abuse);
  console.log(`summaries on vs off:        ${verdict(ratios.summariesOnVsOff, SUMMARIES_GOAL, true)}, median of ${summaries.pairRatios.join(' ')}`);
  console.log(`CPU per request on vs off:  ${summaries.cpuRatio.toFixed(3)} (${summaries.onCpuMicrosPerRequest} vs ${summaries.offCpuMicrosPerRequest} us)`);

  const summary = {
    durationSeconds,
    connections,
    rounds,
    tiny: { ours: tiny.ours, restBinary: tiny.binary, grpcRaw: tiny.grpc, raw: tiny.raw, seed: tiny.seed },
    cnn: { ours: cnn.ours, batchedInProcessImagesPerSecond: cnn.inProcess.imagesPerSecond, batch: cnn.inProcess.batch, calibrationByBatch: cnn.calibration },
    healthP99Ms,
    healthP99MsUnderTinyLoad: tiny.healthUnderTinyLoad.latencyMs.p99,
    abuse: { liveP99Ms: abuse.live.latencyMs.p99, liveProbes: abuse.live.ok, liveFailures: abuse.live.failures, idleRssMiB: abuse.idleRssMiB, peakRssMiB: abuse.peakRssMiB, rssGoalMiB: abuse.rssGoalMiB, answers: abuse.abusiveAnswers },
    loadAverage: { before: loadBefore, after: loadAfter, cpus: availableParallelism() },
    summaries,
    ratios,
    goals: { ...GOALS, summariesOnVsOff: SUMMARIES_GOAL },
    met: {
      tinyVsSeed: ratios.tinyVsSeed >= GOALS.tinyVsSeed,
      tinyVsRaw: ratios.tinyVsRaw >= GOALS.tinyVsRaw,
      grpcVsRestBinary: ratios.grpcVsRestBinary >= GOALS.grpcVsRestBinary,
      grpcVsRestJson: ratios.grpcVsRestJson >= GOALS.grpcVsRestJson,
      cnnVsBatchedInProcess: ratios.cnnVsBatchedInProcess >= GOALS.cnnVsBatchedInProcess,
      healthP99Ms: healthP99Ms < GOALS.healthP99Ms,
      liveP99MsUnderAbuse: abuse.live.latencyMs.p99 < ABUSE_GOALS.liveP99Ms,
      peakRssUnderAbuse: abuse.peakRssMiB < abuse.rssGoalMiB,
      summariesOnVsOff: ratios.summariesOnVsOff >= SUMMARIES_GOAL,
    },
  };
  console.log(JSON.stringify(summary));
}

try {
  await main();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
