import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shipsFile } from '../../build/programs.ts';
import { IMAGES, imageReference, selectImages } from './image-set.ts';
import { unreferencedImageDirs } from './prune-store.ts';

test('product images are tagged with the package version, the proving ground\'s with fixed tags', () => {
  const byName = (name: string) => IMAGES.find((image) => image.name === name)!;
  assert.equal(imageReference(byName('operator'), '1.2.3'), 'ghcr.io/modelship/operator:1.2.3');
  assert.equal(imageReference(byName('runtime'), '1.2.3'), 'ghcr.io/modelship/runtime:1.2.3');
  assert.equal(imageReference(byName('testapp'), '1.2.3'), 'ghcr.io/modelship/testapp:dev');
  assert.equal(imageReference(byName('metrics-server'), '1.2.3'), 'ghcr.io/modelship/metrics-server:v0.8.0');
  assert.deepEqual(selectImages(['runtime']).map((image) => image.name), ['runtime']);
  assert.equal(selectImages([]).length, IMAGES.length);
  assert.throws(() => selectImages(['runtimee']), /unknown image runtimee; known: operator, runtime, testapp, metrics-server/);
});

test('external packages ship without sources, maps or other platforms\' native libraries', () => {
  assert.ok(shipsFile('bin/napi-v6/linux/x64/libonnxruntime.so.1', 'linux', 'x64'));
  assert.ok(!shipsFile('bin/napi-v6/linux/arm64/libonnxruntime.so.1', 'linux', 'x64'));
  assert.ok(!shipsFile('bin/napi-v6/darwin/arm64/onnxruntime_binding.node', 'linux', 'x64'));
  assert.ok(!shipsFile('bin/napi-v6/win32', 'linux', 'x64'));
  assert.ok(shipsFile('bin/napi-v6/linux', 'linux', 'x64'), 'the directory on the way to the kept libraries');
  assert.ok(shipsFile('dist/index.js', 'linux', 'x64'));
  assert.ok(shipsFile('proto/health/v1/health.proto', 'linux', 'x64'));
  assert.ok(!shipsFile('dist/index.js.map', 'linux', 'x64'));
  assert.ok(!shipsFile('dist/index.d.ts', 'linux', 'x64'));
  assert.ok(!shipsFile('src/health.ts', 'linux', 'x64'));
  assert.ok(!shipsFile('README.md', 'linux', 'x64'));
  assert.ok(shipsFile('LICENSE', 'linux', 'x64'));
});

test('pruning keeps every image a reference names and anything that is not an image directory', () => {
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  const c = 'c'.repeat(64);
  assert.deepEqual(unreferencedImageDirs([a, b, c, 'index.json', `${a}.partial-1`], [a, c]), [b]);
});
