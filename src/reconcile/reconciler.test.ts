import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient, IMAGE, MapStore, fakeDeps, modelDeployment } from '../../test/support/fake-reconcile.ts';
import { buildDeployment } from '../builders/deployment.ts';
import { desiredRevision } from '../builders/revision.ts';
import type { CachedDeployment, CachedModelDeployment } from './context.ts';
import { reconcileModelDeployment } from './reconciler.ts';

const spec = (version: string) => ({ model: { version, uri: `s3://models/fraud/${version}.onnx` }, replicas: 4 });

/** A revision's Deployment as the cache holds it, with all its pods Ready. */
function running(md: CachedModelDeployment, version: string, number: number): CachedDeployment {
  const revision = desiredRevision({ metadata: md.metadata, spec: spec(version) }, IMAGE);
  const d = buildDeployment(md, { revision, number, replicas: 4 });
  return { ...d, metadata: { ...d.metadata, uid: `uid-${version}` }, status: { replicas: 4, readyReplicas: 4 } } as CachedDeployment;
}

describe('reconcileModelDeployment', () => {
  test('writes in the safe order: what grows, then the status, then what shrinks', async () => {
    // Version 2 has rolled out (all Ready); version 1 still runs at full size and must now go to zero.
    const v1 = desiredRevision({ metadata: { name: 'fraud' }, spec: spec('1') }, IMAGE);
    const v2 = desiredRevision({ metadata: { name: 'fraud' }, spec: spec('2') }, IMAGE);
    const md = modelDeployment(spec('2'), {
      stableRevision: { revision: 1, version: '1', hash: v1.hash },
      canaryRevision: { revision: 2, version: '2', hash: v2.hash, weight: 50, startTime: '2026-04-01T00:00:00Z' },
    });
    const client = new FakeClient();
    const deps = fakeDeps(client, {
      modelDeployments: new MapStore<CachedModelDeployment>([md]),
      deployments: new MapStore<CachedDeployment>([running(md, '1', 1), running(md, '2', 2)]),
    });

    await reconcileModelDeployment(deps, 'ml/fraud');

    const writes = client.summary();
    const status = writes.indexOf('apply fraud/status');
    const shrink = writes.indexOf(`apply deployments/fraud-${v1.hash} (0)`);
    assert.ok(status > 0, `the status is written after the grow phase: ${writes.join(', ')}`);
    assert.ok(shrink > status, `version 1 shrinks only after the status records the promotion: ${writes.join(', ')}`);
    assert.ok(writes.slice(0, status).includes('apply services/fraud'), 'the Service is written in the grow phase');
    const written = client.writes[status]?.body as { status: CachedModelDeployment['status'] };
    assert.equal(written.status?.stableRevision?.hash, v2.hash);
  });

  test('a first version coming up: its progress is held back and planned from, what a reader acts on is written at once', async () => {
    const md = modelDeployment(spec('1'));
    const v1 = desiredRevision({ metadata: md.metadata, spec: spec('1') }, IMAGE);
    const client = new FakeClient();
    let now = new Date('2026-04-01T00:00:00Z');
    const base = fakeDeps(client, { modelDeployments: new MapStore<CachedModelDeployment>([md]) });
    const pass = (deployment?: CachedDeployment) =>
      reconcileModelDeployment({ ...base, now: () => now, caches: { ...base.caches, deployments: new MapStore<CachedDeployment>(deployment ? [deployment] : []) } }, 'ml/fraud');

    const first = await pass();
    assert.deepEqual(client.summary().sort(), [`apply deployments/fraud-${v1.hash} (4)`, 'apply services/fraud']);
    assert.ok(first.requeueAfterMs !== undefined && first.requeueAfterMs <= 30_000, 'requeued to write the held-back status within the window');

    // Pods exist, none Ready: still progress, nothing written.
    const starting = { ...running(md, '1', 1), status: { replicas: 4, readyReplicas: 0 } } as CachedDeployment;
    await pass(starting);
    assert.ok(!client.summary().includes('apply fraud/status'), `nothing written yet: ${client.summary().join(', ')}`);

    // Past the progress deadline counted from the first pass: only a pass that plans from the held-back
    // candidate (not a fresh one starting its clock now) sees it, and the failure is written at once.
    now = new Date('2026-04-01T00:10:01Z');
    await pass(starting);
    const written = client.writes.find((w) => w.path.endsWith('/status'))?.body as { status: CachedModelDeployment['status'] };
    assert.equal(written.status?.canaryRevision?.startTime, '2026-04-01T00:00:00Z');
    assert.equal(written.status?.conditions?.find((c) => c.type === 'Stalled')?.reason, 'ProgressDeadlineExceeded');
  });

  test('does nothing for a ModelDeployment that is gone', async () => {
    const client = new FakeClient();
    assert.deepEqual(await reconcileModelDeployment(fakeDeps(client), 'ml/missing'), {});
    assert.deepEqual(client.writes, []);
  });
});
