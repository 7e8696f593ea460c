import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { semanticallyContains } from './compare.ts';

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
