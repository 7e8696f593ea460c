import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childMetadata } from './owner.ts';

test('every child is controlled by its ModelDeployment, so garbage collection and event mapping find it', () => {
  const meta = childMetadata({ metadata: { name: 'fraud', namespace: 'ml', uid: 'u1' } }, 'fraud-stable', { a: 'b' });
  assert.deepEqual(meta, {
    name: 'fraud-stable',
    namespace: 'ml',
    labels: { a: 'b' },
    ownerReferences: [{ apiVersion: 'modelship.io/v1alpha1', kind: 'ModelDeployment', name: 'fraud', uid: 'u1', controller: true, blockOwnerDeletion: true }],
  });
});
