import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient, MapStore, fakeDeps, modelDeployment, ownedChild, plannedContext } from '../../../test/support/fake-reconcile.ts';
import type { CachedService } from '../context.ts';
import { serviceReconciler } from './service.ts';

describe('the Service child reconciler', () => {
  // The spec moved from Canary to RollingUpdate: -stable and -canary are no longer wanted.
  const md = modelDeployment({ model: { version: '1', uri: 's3://m/1.onnx' }, replicas: 2 });
  const leftovers = [ownedChild<CachedService>('Service', 'fraud-stable'), ownedChild<CachedService>('Service', 'fraud-canary')];

  function context(client: FakeClient) {
    const deps = fakeDeps(client, { services: new MapStore<CachedService>(leftovers) });
    return plannedContext(deps, md, { routing: { stable: 'abc', candidate: 'abc' } });
  }

  test('grows the Services the strategy uses, selecting what the plan routes to them', async () => {
    const client = new FakeClient();
    await Promise.all(serviceReconciler.grow(context(client)));
    assert.deepEqual(client.summary(), ['apply services/fraud']);
    const body = client.writes[0]?.body as { spec: { selector: Record<string, string> } };
    assert.equal(body.spec.selector['modelship.io/revision'], undefined, 'RollingUpdate: the main Service spans revisions');
  });

  test('removes the Services the strategy no longer uses only in the shrink phase', async () => {
    const client = new FakeClient();
    await Promise.all(serviceReconciler.shrink(context(client)));
    assert.deepEqual(client.summary().sort(), ['delete services/fraud-canary', 'delete services/fraud-stable']);
  });
});
