import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageRepository, planImage } from './images.ts';

test('the repository drops tag and digest but keeps a registry port', () => {
  assert.equal(imageRepository('ghcr.io/modelship/runtime:0.1.0'), 'ghcr.io/modelship/runtime');
  assert.equal(imageRepository('localhost:5000/modelship/operator@sha256:abc'), 'localhost:5000/modelship/operator');
  assert.equal(imageRepository('nginx'), 'nginx');
});

test('our images run the repo entry points, whatever the registry and tag', () => {
  assert.deepEqual(planImage('ghcr.io/modelship/runtime:0.1.0', '/repo'), {
    kind: 'process',
    repository: 'ghcr.io/modelship/runtime',
    entry: '/repo/runtime/main.ts',
  });
  assert.equal(planImage('example.com/x/modelship/operator:dev', '/repo').kind, 'process');
});

test('other images are simulated', () => {
  assert.equal(planImage('nginx:1.27', '/repo').kind, 'simulated');
  assert.equal(planImage('ghcr.io/notmodelship/runtime:1', '/repo').kind, 'simulated');
});
