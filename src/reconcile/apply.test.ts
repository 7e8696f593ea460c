import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { needsApply, withAppliedHash, APPLIED_HASH } from './apply.ts';
import type { KubeObject } from '../kube/object.ts';

describe('needsApply', () => {
  const desired = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', labels: { a: '1' } }, spec: { ports: [{ name: 'http', port: 80 }] } };

  test('is true when the child is missing', () => {
    assert.equal(needsApply(undefined, withAppliedHash(desired) as KubeObject), true);
  });

  test('is false when the child holds what we applied, plus server defaults', () => {
    const body = withAppliedHash(desired) as KubeObject;
    const live = structuredClone(body) as KubeObject & { spec: { clusterIP?: string } };
    live.spec.clusterIP = '10.0.0.1';
    live.metadata.resourceVersion = '7';
    assert.equal(needsApply(live, body), false);
  });

  test('is true when our intent changed, even if only by removing a field', () => {
    const before = withAppliedHash(desired) as KubeObject;
    const after = withAppliedHash({ ...desired, metadata: { name: 's' } }) as KubeObject;
    assert.notEqual(before.metadata.annotations?.[APPLIED_HASH], after.metadata.annotations?.[APPLIED_HASH]);
    assert.equal(needsApply(before, after), true);
  });

  test('is true when someone edited a field we own', () => {
    const body = withAppliedHash(desired) as KubeObject;
    const live = structuredClone(body) as KubeObject & { spec: { ports: Array<{ port: number }> } };
    live.spec.ports[0]!.port = 81;
    assert.equal(needsApply(live, body), true);
  });
});
