import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient, MapStore, fakeDeps, modelDeployment, ownedChild, plannedContext } from '../../test/support/fake-reconcile.ts';
import { buildService } from '../builders/service.ts';
import { Services } from '../kube/resources.ts';
import type { KubeObject } from '../kube/object.ts';
import { withAppliedHash } from './apply.ts';
import { ensureChild } from './child.ts';
import type { CachedService } from './context.ts';
import { SpecProblem } from './errors.ts';

const md = modelDeployment({ model: { version: '1', uri: 's3://m/1.onnx' } });
const desired = buildService(md);

function run(client: FakeClient, cached: CachedService[], want: object | undefined) {
  const store = new MapStore<CachedService>(cached);
  const ctx = plannedContext(fakeDeps(client, { services: store }), md, {});
  return ensureChild(ctx, Services, store, 'fraud', want);
}

describe('ensureChild', () => {
  test('creates a missing child with server-side apply', async () => {
    const client = new FakeClient();
    const outcome = await run(client, [], desired);
    assert.equal(outcome.action, 'created');
    assert.deepEqual(client.summary(), ['apply services/fraud']);
  });

  test('writes nothing when the cached child already is what we applied', async () => {
    const client = new FakeClient();
    const live = withAppliedHash(desired) as unknown as CachedService;
    const outcome = await run(client, [live], desired);
    assert.equal(outcome.action, 'unchanged');
    assert.deepEqual(client.writes, []);
  });

  test('refuses to take over an object with our name that someone else controls', async () => {
    const client = new FakeClient();
    client.foreign.set('/api/v1/namespaces/ml/services/fraud', { metadata: { name: 'fraud', namespace: 'ml' } } as KubeObject);
    await assert.rejects(run(client, [], desired), (err: unknown) => err instanceof SpecProblem && err.reason === 'ChildConflict');
    assert.deepEqual(client.writes, []);
  });

  test('deletes our child when it is no longer wanted, and leaves alone one that is not ours', async () => {
    const client = new FakeClient();
    assert.equal((await run(client, [ownedChild<CachedService>('Service', 'fraud')], undefined)).action, 'deleted');
    const theirs = { ...ownedChild<CachedService>('Service', 'fraud'), metadata: { name: 'fraud', namespace: 'ml' } } as CachedService;
    assert.equal((await run(client, [theirs], undefined)).action, 'unchanged');
    assert.deepEqual(client.summary(), ['delete services/fraud']);
  });
});
