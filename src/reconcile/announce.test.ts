import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelDeploymentStatus } from '../api/types.ts';
import type { EventRecorder } from '../events/recorder.ts';
import { sampleModelDeployment } from '../../test/support/sample.ts';
import { announce } from './announce.ts';
import type { Transition } from './announce.ts';
import type { CachedModelDeployment } from './context.ts';

function record(t: Partial<Transition>): string[] {
  const seen: string[] = [];
  const events = { event: (_md: unknown, type: string, reason: string, _a: string, note: string) => seen.push(`${type} ${reason}: ${note}`) };
  const md = sampleModelDeployment() as CachedModelDeployment;
  announce(events as unknown as EventRecorder, md, { previous: undefined, next: {}, outcomes: [], rollout: [], ...t });
  return seen;
}

const cond = (type: string, status: 'True' | 'False', reason = 'R'): NonNullable<ModelDeploymentStatus['conditions']>[number] => ({
  type, status, reason, message: `${type} ${status}`, lastTransitionTime: '2026-01-01T00:00:00Z',
});

test('a steady pass records nothing', () => {
  const status = { conditions: [cond('Ready', 'True'), cond('Available', 'True')] };
  assert.deepEqual(record({ previous: status, next: status, outcomes: [{ kind: 'Deployment', outcome: { live: {}, action: 'unchanged' } }] }), []);
});

const stable = { stableRevision: { revision: 2, version: '2', hash: 'bbb' } };

test('children created in one pass make one Event; a later version\'s Deployment is told by the rollout', () => {
  const seen = record({
    previous: stable,
    outcomes: [
      { kind: 'Service', outcome: { live: { metadata: { name: 'fraud' } }, action: 'created' } },
      { kind: 'Service', outcome: { live: { metadata: { name: 'fraud-stable' } }, action: 'created' } },
      { kind: 'Deployment', outcome: { live: { metadata: { name: 'fraud-abc' } }, action: 'created' } },
    ],
    rollout: [{ type: 'Normal', reason: 'RolloutStarted', message: 'rolling out version 3' }],
  });
  assert.deepEqual(seen, ['Normal RolloutStarted: rolling out version 3', 'Normal Created: created Service fraud, Service fraud-stable']);
});

test('a brand-new ModelDeployment coming up records no Event: its children and its status tell it', () => {
  const canaryRevision = { revision: 1, version: '1', hash: 'aaa', weight: 0, startTime: '2026-01-01T00:00:00Z' };
  const created = record({
    next: { canaryRevision },
    outcomes: [
      { kind: 'Service', outcome: { live: { metadata: { name: 'fraud' } }, action: 'created' } },
      { kind: 'Deployment', outcome: { live: { metadata: { name: 'fraud-aaa' } }, action: 'created' } },
    ],
  });
  assert.deepEqual(created, []);
  const serving = { stableRevision: { revision: 1, version: '1', hash: 'aaa' }, conditions: [cond('Ready', 'True'), cond('Available', 'True')] };
  assert.deepEqual(record({ previous: { canaryRevision, conditions: [cond('Available', 'False')] }, next: serving }), []);
});

test('a first version replacing one that never came up is said, naming its Deployment and version', () => {
  const failed = { revision: 1, version: '1', hash: 'aaa', weight: 0, startTime: '2026-01-01T00:00:00Z' };
  const replacement = { revision: 2, version: '2', hash: 'bbb', weight: 0, startTime: '2026-01-01T00:10:00Z' };
  const created = record({
    previous: { canaryRevision: failed },
    next: { canaryRevision: replacement },
    outcomes: [{ kind: 'Deployment', outcome: { live: { metadata: { name: 'fraud-bbb' } }, action: 'created' } }],
  });
  assert.deepEqual(created, ['Normal Created: created Deployment fraud-bbb (version 2, revision 2)']);
});

test('a Deployment changed by hand and restored is said', () => {
  assert.deepEqual(record({ outcomes: [{ kind: 'Deployment', outcome: { live: { metadata: { name: 'fraud-abc' } }, action: 'restored' } }] }), [
    'Normal Restored: restored Deployment fraud-abc, changed outside the operator',
  ]);
});

test('a completed rollout does not also announce availability; availability regained otherwise is said', () => {
  const next = { ...stable, conditions: [cond('Available', 'True')] };
  const previous = { ...stable, conditions: [cond('Available', 'False')] };
  assert.deepEqual(record({ previous, next, rollout: [{ type: 'Normal', reason: 'RolloutCompleted', message: 'version 3 is serving' }] }), ['Normal RolloutCompleted: version 3 is serving']);
  assert.deepEqual(record({ previous, next }), ['Normal Available: Available True']);
});

test('losing availability and stalling are warnings, each said once', () => {
  const previous = { conditions: [cond('Available', 'True')] };
  const next = { conditions: [cond('Available', 'False'), cond('Stalled', 'True', 'ProgressDeadlineExceeded')] };
  assert.deepEqual(record({ previous, next }), ['Warning Unavailable: Available False', 'Warning ProgressDeadlineExceeded: Stalled True']);
  assert.deepEqual(record({ previous: next, next }), []);
});

test('a rollback\'s own Warning stands for the Stalled condition it causes', () => {
  const next = { conditions: [cond('Stalled', 'True', 'AnalysisFailed')] };
  assert.deepEqual(record({ next, rollout: [{ type: 'Warning', reason: 'RolledBack', message: 'version 3 rolled back' }] }), ['Warning RolledBack: version 3 rolled back']);
});
