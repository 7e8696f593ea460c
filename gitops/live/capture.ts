// Captures ModelDeployments from a live proving ground in each state a GitOps tool has to judge, and writes
// them to gitops/live/testdata/ as the fixtures that gitops/engines (Argo CD's Lua engine, kstatus) and
// gitops/live/states.test.ts read. The pods are real runtime processes serving the fixture model (as in the
// rollout suites), so every status below is one the operator reached by itself.
//
// Usage: node gitops/live/capture.ts   (about 2 minutes; rewrites the fixtures)
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump } from 'js-yaml';
import { startCluster } from '../../proving-ground/cluster.ts';
import { createNamespace, kubectl } from '../../proving-ground/test-cluster.ts';
import type { ModelDeployment } from '../../src/api/types.ts';
import { adminClient } from '../../test/operator/harness.ts';
import { annotate, apply, conditionOf, installCrds, isReady, modelSpec, provideModels, startOperator, waitForMd } from '../../test/rollout/harness.ts';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const NS = 'gitops';
const NAME = 'diabetes';
/** A finalizer of some other tool (a backup controller, say): it holds the object in deletion long enough to read it. */
const HOLD = 'example.com/hold';

/** The object as `kubectl get -o yaml` shows it, minus managedFields (noise to every engine). */
function save(file: string, md: ModelDeployment): void {
  const { managedFields: _, ...metadata } = md.metadata as ModelDeployment['metadata'] & { managedFields?: unknown };
  writeFileSync(path.join(OUT, file), dump({ ...md, metadata }, { lineWidth: 160 }));
  process.stderr.write(`[capture] ${file}\n`);
}

const cluster = await startCluster({ nodes: 1, onProgress: (l) => process.stderr.write(`[cluster] ${l}\n`) });
const op = await startOperator(cluster, 'capture').catch(async (e: unknown) => {
  await cluster.stop({ removeDir: true });
  throw e;
});
try {
  const client = adminClient(cluster);
  await installCrds(cluster);
  await createNamespace(cluster, NS);
  await provideModels(cluster, NS);
  const waitFor = <T>(what: string, accept: (m: ModelDeployment) => T | undefined | false, ms = 180_000) =>
    waitForMd(client, NS, NAME, what, accept, op, ms);
  const rollout = { strategy: 'Canary' as const, steps: [{ setWeight: 50 }, { pause: {} }], progressDeadlineSeconds: 120 };

  await apply(cluster, NS, NAME, modelSpec('1', { rollout }));
  save('progressing.yaml', await waitFor('version 1 to be starting', (m) => conditionOf(m, 'Reconciling')?.status === 'True' && m));
  save('ready.yaml', await waitFor('version 1 to be Ready', (m) => isReady(m) && m));

  await apply(cluster, NS, NAME, modelSpec('2', { rollout }));
  save('canary-paused.yaml', await waitFor('the canary to wait for promotion', (m) => conditionOf(m, 'Progressing')?.reason === 'CanaryPaused' && m));
  await annotate(cluster, NS, NAME, 'modelship.io/paused=true');
  save('paused-by-annotation.yaml', await waitFor('the pause to be seen', (m) => conditionOf(m, 'Progressing')?.reason === 'PausedByAnnotation' && m));
  await annotate(cluster, NS, NAME, 'modelship.io/paused-', 'modelship.io/promote=full');
  await waitFor('version 2 to be stable and Ready', (m) => isReady(m) && m.status?.stableRevision?.version === '2' && m);

  const broken = modelSpec('3', { rollout });
  broken.model.sha256 = '0'.repeat(64);
  await apply(cluster, NS, NAME, broken);
  save('degraded-rolled-back.yaml', await waitFor('version 3 to be rolled back and the status settled', (m) =>
    m.status?.history?.at(-1)?.outcome === 'RolledBack' && m.status.observedGeneration === m.metadata.generation &&
    conditionOf(m, 'Degraded')?.status === 'True' && m));

  await kubectl(cluster, 'patch', '-n', NS, `modeldeployment/${NAME}`, '--type=merge', '-p', JSON.stringify({ metadata: { finalizers: [HOLD] } }));
  await kubectl(cluster, 'delete', '-n', NS, `modeldeployment/${NAME}`, '--wait=false');
  save('deleting.yaml', await waitFor('the deletion to be recorded', (m) => m.metadata.deletionTimestamp !== undefined && m, 30_000));
  await kubectl(cluster, 'patch', '-n', NS, `modeldeployment/${NAME}`, '--type=merge', '-p', JSON.stringify({ metadata: { finalizers: null } }));
} finally {
  await op.stop();
  await cluster.stop({ removeDir: true });
}
