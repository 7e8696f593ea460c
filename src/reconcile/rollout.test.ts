import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from '@kubernetes/client-node';
import type { Revision } from '../builders/revision.ts';
import { decideRollout, isRolledOut } from './rollout.ts';

const v3: Revision = { hash: 'h3', version: '3', uri: 's3://b/3', image: 'i' };

function dep(hash: string, status: NonNullable<V1Deployment['status']>, generation = 2, replicas = 2): V1Deployment {
  return {
    metadata: { generation },
    spec: { replicas, selector: {}, template: { metadata: { labels: { 'modelship.io/revision': hash } } } },
    status,
  };
}

const done = { observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, conditions: [{ type: 'Available', status: 'True' }] };

describe('decideRollout', () => {
  test('keeps the stable revision while the new one rolls out', () => {
    const stable = { revision: 1, version: '2', hash: 'h2' };
    const d = decideRollout(v3, 2, stable, dep('h3', { ...done, updatedReplicas: 1, replicas: 3 }));
    assert.equal(d.stable, 'keep');
    assert.equal(d.state.phase, 'Progressing');
  });

  test('promotes the new revision once every pod runs it and the Deployment is Available', () => {
    const d = decideRollout(v3, 2, { revision: 1, version: '2', hash: 'h2' }, dep('h3', done));
    assert.equal(d.promoted, true);
    assert.deepEqual(d.stable, { revision: v3, number: 2 });
    assert.equal(d.state.phase, 'Complete');
  });

  test('does not promote while the Deployment controller has not seen the latest spec', () => {
    assert.equal(decideRollout(v3, 1, undefined, dep('h3', { ...done, observedGeneration: 1 })).promoted, false);
  });

  test('does not promote a Deployment still running an older template', () => {
    assert.equal(decideRollout(v3, 2, undefined, dep('h2', done)).promoted, false);
  });

  test('is complete without a write when the spec revision is already stable, whatever the pods do', () => {
    const d = decideRollout(v3, 2, { revision: 2, version: '3', hash: 'h3' }, dep('h3', { ...done, readyReplicas: 0 }));
    assert.equal(d.promoted, false);
    assert.equal(d.stable, 'keep');
    assert.equal(d.state.phase, 'Complete');
  });

  test('reports a rollout past its progress deadline as failed', () => {
    const stuck = dep('h3', { ...done, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'too slow' }] });
    const d = decideRollout(v3, 2, { revision: 1, version: '2', hash: 'h2' }, stuck);
    assert.equal(d.state.phase, 'Failed');
    assert.match(d.state.phase === 'Failed' ? d.state.message : '', /too slow/);
  });

  test('says it is creating when there is no Deployment yet', () => {
    const d = decideRollout(v3, 1, undefined, undefined);
    assert.equal(d.state.phase === 'Progressing' && d.state.reason, 'Creating');
  });
});

test('a Deployment scaled to zero counts as rolled out', () => {
  assert.equal(isRolledOut(dep('h', { observedGeneration: 2, conditions: [{ type: 'Available', status: 'True' }] }, 2, 0)), true);
});
