import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelDeploymentStatus } from '../api/types.ts';
import type { EventRecorder } from '../events/recorder.ts';
import { sampleModelDeployment } from '../builders/sample.ts';
import { announce } from './announce.ts';
import type { Transition } from './announce.ts';
import type { CachedModelDeployment } from './context.ts';

function record(t: Partial<Transition>): string[] {
  const seen: string[] = [];
  const events = { event: (_md: unknown, type: string, reason: string, _a: string, note: string) => seen.push(`${type} ${reason}: ${note}`) };
  const md = sampleModelDeployment() as CachedModelDeployment;
  announce(events as unknown as EventRecorder, md, {
    previous: undefined,
    next: {},
    outcomes: [],
    rollout: { stable: 'keep', promoted: false, state: { phase: 'Complete' } },
    revision: { hash: 'h2', version: '2', uri: 'u', image: 'i' },
    number: 2,
    ...t,
  });
  return seen;
}

const cond = (type: string, status: 'True' | 'False', reason = 'R'): NonNullable<ModelDeploymentStatus['conditions']>[number] => ({
  type, status, reason, message: `${type} ${status}`, lastTransitionTime: '2026-01-01T00:00:00Z',
});

test('a steady pass records nothing', () => {
  const status = { conditions: [cond('Ready', 'True'), cond('Available', 'True')] };
  assert.deepEqual(record({ previous: status, next: status, outcomes: [{ kind: 'Deployment', outcome: { live: {}, action: 'unchanged' } }] }), []);
});

test('children created in one pass make one Event', () => {
  const seen = record({
    outcomes: [
      { kind: 'Service', outcome: { live: { metadata: { name: 'fraud' } }, action: 'created' } },
      { kind: 'Deployment', outcome: { live: { metadata: { name: 'fraud' } }, action: 'created' } },
    ],
  });
  assert.deepEqual(seen, ['Normal Created: created Service fraud, Deployment fraud']);
});

test('a new template on an existing Deployment starts a rollout; promotion completes it', () => {
  const previous = { spec: { template: { metadata: { labels: { 'modelship.io/revision': 'h1' } } } } };
  assert.deepEqual(record({ outcomes: [{ kind: 'Deployment', outcome: { live: {}, previous, action: 'updated' } }] }), [
    'Normal RolloutStarted: rolling out version 2 (revision 2, h2)',
  ]);
  const seen = record({ rollout: { stable: 'keep', promoted: true, state: { phase: 'Complete' } } });
  assert.deepEqual(seen, ['Normal RolloutCompleted: version 2 (revision 2) is serving']);
});

test('losing availability and stalling are warnings, each said once', () => {
  const previous = { conditions: [cond('Available', 'True')] };
  const next = { conditions: [cond('Available', 'False'), cond('Stalled', 'True', 'ProgressDeadlineExceeded')] };
  assert.deepEqual(record({ previous, next }), ['Warning Unavailable: Available False', 'Warning ProgressDeadlineExceeded: Stalled True']);
  assert.deepEqual(record({ previous: next, next }), []);
});
