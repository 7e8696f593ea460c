import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelDeploymentSpec } from '../../../src/api/types.ts';
import { stableWorld } from '../../../test/support/rollout-world.ts';

describe('RollingUpdate', () => {
  const spec = (): ModelDeploymentSpec => ({ model: { version: '1', uri: 'file:///models/1.onnx' }, replicas: 4, rollout: { strategy: 'RollingUpdate', progressDeadlineSeconds: 30 } });

  test('surges by 25% and shrinks the old revision only by the new one\'s Ready pods', () => {
    const { w, v1 } = stableWorld(spec());
    const v2 = w.setVersion('2');
    const seen: Array<[number | undefined, number | undefined]> = [];
    for (let i = 0; i < 10 && w.status?.stableRevision?.hash !== v2; i++) {
      w.reconcile();
      seen.push([w.replicas(v2), w.replicas(v1)]);
      const ready = (w.deployments.get(v2)?.ready ?? 0) + (w.deployments.get(v1)?.ready ?? 0);
      assert.ok(ready >= 4 || i === 0, `Ready capacity ${ready} fell below 4 at pass ${i}`);
      w.settle();
    }
    assert.deepEqual(seen.slice(0, 4), [[1, 4], [2, 3], [3, 2], [4, 1]]);
    assert.equal(w.status?.stableRevision?.hash, v2);
    assert.equal(w.replicas(v1), 0);
    assert.equal(w.status?.canaryRevision, undefined);
  });

  test('rolls back when the new revision is not Available within progressDeadlineSeconds', () => {
    const { w, v1 } = stableWorld(spec());
    const v2 = w.setVersion('2');
    w.stuck.add(v2);
    w.converge();
    assert.equal(w.replicas(v1), 4);
    w.tick(31_000);
    w.reconcile();
    assert.deepEqual([w.replicas(v2), w.replicas(v1)], [0, 4]);
    assert.equal(w.status?.history?.at(-1)?.reason, 'ProgressDeadlineExceeded');
  });
});
