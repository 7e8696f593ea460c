import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient, MapStore, fakeDeps, modelDeployment, ownedChild, plannedContext } from '../../../test/support/fake-reconcile.ts';
import type { CachedHpa } from '../context.ts';
import { hpaReconciler } from './hpa.ts';

describe('the HorizontalPodAutoscaler child reconciler', () => {
  const model = { version: '1', uri: 's3://m/1.onnx' };

  test('applies the autoscaler when spec.autoscaling is set', async () => {
    const client = new FakeClient();
    const ctx = plannedContext(fakeDeps(client), modelDeployment({ model, autoscaling: { maxReplicas: 5 } }), {});
    await Promise.all(hpaReconciler.grow(ctx));
    assert.deepEqual(client.summary(), ['apply horizontalpodautoscalers/fraud']);
  });

  test('removes it when spec.autoscaling is unset, and never waits for the shrink phase', async () => {
    const client = new FakeClient();
    const deps = fakeDeps(client, { hpas: new MapStore<CachedHpa>([ownedChild<CachedHpa>('HorizontalPodAutoscaler', 'fraud')]) });
    const ctx = plannedContext(deps, modelDeployment({ model, replicas: 2 }), {});
    await Promise.all(hpaReconciler.grow(ctx));
    assert.deepEqual(client.summary(), ['delete horizontalpodautoscalers/fraud']);
    assert.deepEqual(hpaReconciler.shrink(ctx), []);
  });
});
