import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient, MapStore, fakeDeps, modelDeployment, ownedChild, plannedContext } from '../../../test/support/fake-reconcile.ts';
import { desiredRevision } from '../../builders/revision.ts';
import type { ObservedRevision } from '../../rollout/observe.ts';
import type { RevisionPlan } from '../../rollout/plan.ts';
import type { CachedDeployment } from '../context.ts';
import { deploymentReconciler, orderRevisions } from './deployment.ts';

const spec = (version: string) => ({ model: { version, uri: `s3://models/fraud/${version}.onnx` }, replicas: 4 });
const md = modelDeployment(spec('2'));

function planned(version: string, replicas: number, role: RevisionPlan['role']): RevisionPlan {
  const revision = desiredRevision({ metadata: md.metadata, spec: spec(version) }, 'img');
  return { ...revision, number: Number(version), approximate: false, replicas, role };
}

function observed(r: RevisionPlan, replicas: number): ObservedRevision {
  return { hash: r.hash, name: `fraud-${r.hash}`, replicas, currentReplicas: replicas, readyReplicas: replicas };
}

describe('the Deployment child reconciler', () => {
  const stable = planned('1', 2, 'stable');
  const candidate = planned('2', 2, 'candidate');
  const old = ownedChild<CachedDeployment>('Deployment', 'fraud-0ld', { metadata: { labels: { 'modelship.io/revision': '0ld' } } });
  const was = [observed(stable, 4), observed(candidate, 0)];

  function context(client: FakeClient) {
    const deps = fakeDeps(client, { deployments: new MapStore<CachedDeployment>([old]) });
    return { ...plannedContext(deps, md, { revisions: [stable, candidate], remove: ['0ld'] }, was), owned: [old] };
  }

  test('grows what gets larger or is new, and nothing else', async () => {
    const client = new FakeClient();
    await Promise.all(deploymentReconciler.grow(context(client)));
    assert.deepEqual(client.summary(), [`apply deployments/fraud-${candidate.hash} (2)`]);
  });

  test('shrinks what gets smaller and deletes the revisions the plan drops, in the shrink phase only', async () => {
    const client = new FakeClient();
    await Promise.all(deploymentReconciler.shrink(context(client)));
    // Written concurrently: the order between them is not part of the contract.
    assert.deepEqual(client.summary().sort(), [`apply deployments/fraud-${stable.hash} (2)`, 'delete deployments/fraud-0ld'].sort());
  });

  test('orderRevisions keeps an unchanged size with the growers, so it is written before the status', () => {
    const same = planned('3', 1, 'old');
    const { grow, shrink } = orderRevisions([stable, same], [observed(stable, 4), observed(same, 1)]);
    assert.deepEqual(grow.map((r) => r.hash), [same.hash]);
    assert.deepEqual(shrink.map((r) => r.hash), [stable.hash]);
  });
});
