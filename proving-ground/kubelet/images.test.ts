import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ImageStore } from '../images/store.ts';
import { ImagePullError, planImage } from './images.ts';

const root = mkdtempSync(join(tmpdir(), 'image-plan-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('images under the reserved registry are simulated, whatever their tag', async () => {
  const store = new ImageStore(root);
  assert.deepEqual(await planImage(store, 'simulated.modelship.invalid/bench/runtime:1'), { kind: 'simulated' });
});

test('a stored image runs from the store, found under any spelling of its reference', async () => {
  const store = new ImageStore(root);
  await store.writeConfig('abc', { Entrypoint: ['/bin/app'], User: '1000' });
  await store.tag('abc', ['modelship/runtime:0.1.0']);
  const plan = await planImage(store, 'docker.io/modelship/runtime:0.1.0');
  assert.equal(plan.kind, 'image');
  assert.equal(plan.kind === 'image' && plan.image.id, 'abc');
});

test('an image missing from the store is an image pull error naming the image and how to build it', async () => {
  const store = new ImageStore(root);
  await assert.rejects(planImage(store, 'nginx:1.27'), (error: unknown) => {
    assert.ok(error instanceof ImagePullError);
    assert.match(error.message, /"nginx:1\.27"/);
    assert.match(error.message, /npm run images/);
    return true;
  });
});
