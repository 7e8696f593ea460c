import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ImageStore, isSimulatedImage, normaliseReference } from './store.ts';

test('references are normalised as containerd normalises them', () => {
  assert.equal(normaliseReference('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normaliseReference('modelship/runtime:0.1.0'), 'docker.io/modelship/runtime:0.1.0');
  assert.equal(normaliseReference('ghcr.io/modelship/runtime:0.1.0'), 'ghcr.io/modelship/runtime:0.1.0');
  assert.equal(normaliseReference('localhost:5000/op'), 'localhost:5000/op:latest');
  assert.equal(normaliseReference('localhost/op:dev'), 'localhost/op:dev');
  assert.equal(normaliseReference(`ghcr.io/m/r@sha256:${'a'.repeat(64)}`), `ghcr.io/m/r@sha256:${'a'.repeat(64)}`);
});

test('images under the simulated registry are recognised', () => {
  assert.ok(isSimulatedImage('simulated.modelship.invalid/anything:1'));
  assert.ok(!isSimulatedImage('ghcr.io/modelship/runtime:0.1.0'));
});

test('a tagged image is found by any spelling of its reference, an unknown one is not', async () => {
  const root = await mkdtemp(join(tmpdir(), 'image-store-'));
  try {
    const store = new ImageStore(root);
    assert.equal(await store.lookup('modelship/runtime:0.1.0'), undefined);
    await store.writeConfig('abc', { Entrypoint: ['node'], User: '65532:65532' });
    await store.tag('abc', ['modelship/runtime:0.1.0']);
    const image = await store.lookup('docker.io/modelship/runtime:0.1.0');
    assert.equal(image?.id, 'abc');
    assert.deepEqual(image?.config.Entrypoint, ['node']);
    assert.equal(image?.rootfs, join(root, 'abc', 'rootfs'));
    assert.equal(await store.lookup('modelship/runtime:0.2.0'), undefined);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
