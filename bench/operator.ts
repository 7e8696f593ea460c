// npm run bench:operator [-- --count 1000 --workers N --idle-seconds 60 --source]
//
// Applies N ModelDeployments to a fresh proving ground and measures the
// operator: time until every one is Ready, latency from a ModelDeployment's
// create to its Deployment appearing (p50/p99), API writes per minute once
// idle (from the audit log), and the operator's resident memory. Runtime pods
// use an image under the proving ground's simulated registry
// (simulated.modelship.invalid), so they are Ready without running
// (kwok-style): this measures the operator, not serving.
// First, in the same cluster, the same children are created directly (bench/operator-baseline.ts): the
// ratio of the two convergence times says how much of the time is the operator's own.
// The operator runs as its image runs it: the esbuild bundle build/bundle.ts makes for the image, under the
// same Node (--source runs src/main.ts instead, with type stripping and the whole of client-node loaded).
// The last line of output is one JSON object.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from '../proving-ground/cluster.ts';
import { createNamespace } from '../proving-ground/test-cluster.ts';
import { residentMemoryBytes } from '../proving-ground/lib/memory.ts';
import { delay, pollUntil } from '../proving-ground/lib/wait.ts';
import { adminClient, condition, FAKE_RUNTIME_IMAGE, installCrds, OperatorProcess, operatorWrites } from '../test/operator/harness.ts';
import type { AuditEvent } from '../test/operator/harness.ts';
import { Informer } from '../src/kube/informer.ts';
import { Deployments } from '../src/kube/resources.ts';
import type { KubeObject, KubeList } from '../src/kube/object.ts';
import { MANAGED_SELECTOR } from '../src/builders/labels.ts';
import { directCreationSeconds } from './operator-baseline.ts';
import { createLogger } from '../src/log.ts';
import { DEFAULT_MAX_CONCURRENT_RECONCILES } from '../src/config.ts';
import { isNotFound } from '../src/kube/errors.ts';
import type { ModelDeployment } from '../src/api/types.ts';
import { imageLaunch } from './image-launch.ts';
import type { ImageLaunch } from './image-launch.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    workers: { type: 'string', default: String(DEFAULT_MAX_CONCURRENT_RECONCILES) },
    concurrency: { type: 'string', default: '16' },
    'idle-seconds': { type: 'string', default: '60' },
    nodes: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
    source: { type: 'boolean', default: false },
  },
});
const COUNT = Number(values.count);
const WORKERS = Number(values.workers);
const CONCURRENCY = Number(values.concurrency);
const IDLE_MS = Number(values['idle-seconds']) * 1000;
const NODES = Number(values.nodes);
const NS = 'bench';
const BASELINE_NS = 'bench-baseline';
/** The operator's pods use it too (the harness passes it as --runtime-image): simulated, never run. */
const SIMULATED_IMAGE = FAKE_RUNTIME_IMAGE;
const MDS = `/apis/modelship.io/v1alpha1/namespaces/${NS}/modeldeployments`;
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/**
 * The operator's program: the image's bundle, made here the way the image build makes it, run with the
 * Node flags and environment the image starts it with (bench/image-launch.ts).
 */
function operatorEntry(): { entry?: string; launch: ImageLaunch; form: string; cleanup(): void } {
  if (values.source) return { launch: { nodeFlags: [], env: {} }, form: 'source (src/main.ts)', cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'modelship-operator-bundle-'));
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'build', 'bundle.ts'), 'operator', dir], { stdio: 'inherit' });
  const launch = imageLaunch(readFileSync(join(import.meta.dirname, '..', 'Dockerfile'), 'utf8'));
  return { entry: join(dir, 'main.mjs'), launch, form: 'image bundle (build/bundle.ts)', cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes counted by what they wrote: "create deployments", "patch modeldeployments/status", … */
function writesByKind(events: AuditEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) {
    const what = `${e.verb} ${e.objectRef?.resource ?? '?'}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`;
    counts[what] = (counts[what] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([, a], [, b]) => b - a));
}

async function main(): Promise<void> {
  const program = operatorEntry();
  // Room for the baseline's pods and the operator's (the baseline's are gone before the operator's come).
  const podsPerNode = Math.ceil((COUNT * 2.2) / NODES) + 10;
  const cluster = await startCluster({
    nodes: Array.from({ length: NODES }, (_, i) => ({ name: `bench-${i}`, cpu: '256', memory: '1Ti', pods: podsPerNode })),
    onProgress: (l) => say(`cluster: ${l}`),
  });
  let op: OperatorProcess | undefined;
  let deployments: Informer<KubeObject> | undefined;
  try {
    const client = adminClient(cluster);
    await installCrds(cluster);
    await createNamespace(cluster, NS);
    await createNamespace(cluster, BASELINE_NS);
    say(`baseline: creating ${COUNT} Deployments and Services directly (${CONCURRENCY} at a time)`);
    const baseline = await directCreationSeconds(client, BASELINE_NS, COUNT, CONCURRENCY, SIMULATED_IMAGE);
    say(`baseline converged in ${baseline.seconds.toFixed(1)}s; removing its pods before the operator's run`);
    // Each pod takes a port on its node's bridge, and a Linux bridge has at most 1024 ports: 1000 baseline
    // pods left running would leave the operator's pods Pending ("Exchange full").
    // The whole namespace, not only its pods: finalising it deletes thousands of objects (Deployments,
    // ReplicaSets, Services, endpoints, Events), and that load must not fall on the operator's run only.
    await client.delete(`/api/v1/namespaces/${BASELINE_NS}`);
    await pollUntil(async () => (await client.get(`/api/v1/namespaces/${BASELINE_NS}`).then(() => false, (err: unknown) => isNotFound(err))), {
      description: 'the baseline\'s namespace to be gone',
      timeoutMs: 15 * 60_000,
      intervalMs: 2000,
    });
    op = await OperatorProcess.start(cluster, { name: 'bench', ...(program.entry ? { entry: program.entry } : {}), nodeFlags: program.launch.nodeFlags, env: program.launch.env, args: [`--max-concurrent-reconciles=${WORKERS}`, '--log-level=warn'] });
    const rssIdleStart = residentMemoryBytes(op.pid);

    // When each Deployment first appears, seen through a watch like the operator's own.
    const seenAt = new Map<string, number>();
    deployments = new Informer<KubeObject>(client, Deployments, { namespaces: [NS], labelSelector: MANAGED_SELECTOR, log: createLogger('warn') });
    // Each revision has its own Deployment (<name>-<hash>); the label names its ModelDeployment.
    const mdOf = (d: KubeObject) => d.metadata.labels?.['modelship.io/deployment'] ?? '';
    deployments.on({ add: (d) => seenAt.has(mdOf(d)) || seenAt.set(mdOf(d), Date.now()) });
    deployments.start();
    await pollUntil(() => deployments!.hasSynced(), { description: 'the bench informer', timeoutMs: 30_000 });

    say(`creating ${COUNT} ModelDeployments (${CONCURRENCY} at a time), operator with ${WORKERS} workers`);
    const createdAt = new Map<string, number>();
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < COUNT; i = next++) {
          const name = `model-${i}`;
          createdAt.set(name, Date.now());
          await client.create(MDS, {
            apiVersion: 'modelship.io/v1alpha1',
            kind: 'ModelDeployment',
            metadata: { name },
            spec: { model: { version: String(1 + (i % 5)), uri: `s3://models/bench/${i}/model.onnx` }, replicas: 1 },
          });
        }
      }),
    );
    const createdMs = Date.now() - started;
    say(`created in ${(createdMs / 1000).toFixed(1)}s; waiting for all to be Ready`);

    let ready = 0;
    await pollUntil(
      async () => {
        const list = await client.get<KubeList<ModelDeployment>>(MDS);
        ready = list.items.filter((m) => condition(m, 'Ready') === 'True' && m.status?.observedGeneration === m.metadata.generation).length;
        return ready === COUNT;
      },
      { description: `all ${COUNT} ModelDeployments to be Ready`, timeoutMs: 30 * 60_000, intervalMs: 1000, diagnose: () => `${ready} ready` },
    );
    const convergeMs = Date.now() - started;
    const convergedAt = new Date();
    const rssConverged = residentMemoryBytes(op.pid);
    const memoryConverged = await heapBreakdown(op);
    const latencies = [...createdAt].map(([name, t]) => (seenAt.get(name) ?? NaN) - t).filter(Number.isFinite).sort((a, b) => a - b);
    const convergeWrites = operatorWrites(cluster, new Date(started));
    const writesToConverge = convergeWrites.length;
    say(`converged in ${(convergeMs / 1000).toFixed(1)}s; measuring idle writes for ${IDLE_MS / 1000}s`);

    await delay(10_000);
    const idleFrom = new Date();
    await delay(IDLE_MS);
    const idleWrites = operatorWrites(cluster, idleFrom).length;
    const rssIdle = residentMemoryBytes(op.pid);
    const heapUsed = (await op.metric('nodejs_heap_size_used_bytes')) ?? 0;
    const reconcileErrors = (await op.metric('controller_runtime_reconcile_errors_total')) ?? 0;
    const reconciles = (await op.metrics()).split('\n').filter((l) => l.startsWith('controller_runtime_reconcile_total{'))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

    const result = {
      bench: 'operator',
      modelDeployments: COUNT,
      workers: WORKERS,
      operatorProgram: program.form,
      operatorNodeFlags: program.launch.nodeFlags,
      operatorEnv: program.launch.env,
      createSeconds: +(createdMs / 1000).toFixed(2),
      convergeSeconds: +(convergeMs / 1000).toFixed(2),
      baselineConvergeSeconds: +baseline.seconds.toFixed(2),
      // ≥ 1 would mean the operator converges as fast as creating the children directly.
      convergenceVsBaseline: +(baseline.seconds / (convergeMs / 1000)).toFixed(3),
      baselineWritesPerModelDeployment: baseline.writes / COUNT,
      applyToDeploymentMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN, samples: latencies.length },
      writesToConverge,
      writesPerModelDeployment: +(writesToConverge / COUNT).toFixed(2),
      writesToConvergeByKind: writesByKind(convergeWrites),
      idleWritesPerMinute: +((idleWrites * 60_000) / IDLE_MS).toFixed(2),
      reconciles,
      reconcileErrors,
      operatorRssMiB: { start: mib(rssIdleStart), converged: mib(rssConverged), idle: mib(rssIdle) },
      operatorHeapUsedMiB: mib(heapUsed),
      // Where the converged RSS goes: V8's heap (used and reserved, the young generation apart), and
      // memory outside it (buffers).
      operatorMemoryConvergedMiB: memoryConverged,
      convergedAt: convergedAt.toISOString(),
    };
    console.log(JSON.stringify(result));
  } finally {
    await deployments?.stop();
    await op?.stop();
    await cluster.stop({ removeDir: !values.keep });
    program.cleanup();
  }
}

async function heapBreakdown(op: OperatorProcess): Promise<Record<string, number>> {
  const read = async (name: string, labels = '') => mib((await op.metric(name, labels)) ?? NaN);
  return {
    heapTotal: await read('nodejs_heap_size_total_bytes'),
    heapUsed: await read('nodejs_heap_size_used_bytes'),
    newSpaceTotal: await read('nodejs_heap_space_size_total_bytes', 'space="new"'),
    oldSpaceUsed: await read('nodejs_heap_space_size_used_bytes', 'space="old"'),
    external: await read('nodejs_external_memory_bytes'),
  };
}

function mib(bytes: number): number {
  return +(bytes / 2 ** 20).toFixed(1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
