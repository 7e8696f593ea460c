import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { needsApply, withAppliedHash, APPLIED_HASH } from './apply.ts';
import { semanticallyContains } from './compare.ts';
import { parseQuantity } from '../kube/quantity.ts';
import type { KubeObject } from '../kube/object.ts';

describe('semanticallyContains', () => {
  test('ignores fields the server defaulted or other managers own', () => {
    const live = { spec: { replicas: 2, revisionHistoryLimit: 10, paused: false }, status: { ready: 1 } };
    assert.equal(semanticallyContains(live, { spec: { replicas: 2 } }), true);
  });

  test('notices a value someone changed', () => {
    assert.equal(semanticallyContains({ spec: { replicas: 5 } }, { spec: { replicas: 2 } }), false);
  });

  test('notices a field someone removed', () => {
    assert.equal(semanticallyContains({ spec: {} }, { spec: { replicas: 2 } }), false);
  });

  test('matches named list items by name and ignores items others added', () => {
    const live = { env: [{ name: 'POD_IP', value: 'x' }, { name: 'ADDED_BY_HAND', value: '1' }, { name: 'A', value: 'b' }] };
    assert.equal(semanticallyContains(live, { env: [{ name: 'POD_IP', value: 'x' }, { name: 'A', value: 'b' }] }), true);
    assert.equal(semanticallyContains(live, { env: [{ name: 'A', value: 'b' }, { name: 'POD_IP', value: 'x' }] }), false, 'order matters');
    assert.equal(semanticallyContains(live, { env: [{ name: 'A', value: 'c' }] }), false);
  });

  test('compares other lists item by item', () => {
    assert.equal(semanticallyContains({ args: ['serve', '--port', '8080'] }, { args: ['serve', '--port', '8080'] }), true);
    assert.equal(semanticallyContains({ args: ['serve', '--port', '8080', '--x'] }, { args: ['serve', '--port', '8080'] }), false);
  });

  test('compares quantities by amount', () => {
    const live = { resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2' } } };
    assert.equal(semanticallyContains(live, { resources: { requests: { cpu: '0.5', memory: '1024Mi' }, limits: { cpu: 2 } } }), true);
    assert.equal(semanticallyContains(live, { resources: { requests: { cpu: '600m' } } }), false);
  });

  test('treats empty desired values as matching absent ones, as the server drops them', () => {
    assert.equal(semanticallyContains({ volumes: [{ name: 'm' }] }, { volumes: [{ name: 'm', emptyDir: {} }] }), true);
    assert.equal(semanticallyContains({}, { tolerations: [] }), true);
  });

  test('does not read strings as quantities outside resources', () => {
    assert.equal(semanticallyContains({ args: ['1.0'] }, { args: ['1'] }), false);
  });
});

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

test('quantities parse with decimal and binary suffixes and exponents', () => {
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity('1Ki'), 1024);
  assert.equal(parseQuantity('2G'), 2e9);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity(3), 3);
  assert.equal(parseQuantity('abc'), undefined);
});
