import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseCacheKey, baseDockerfile, baseReference } from './base-recipe.ts';
import type { BaseRecipe } from './base-recipe.ts';
import { copySources } from './build-inputs.ts';

const recipe: BaseRecipe = { suite: 'bookworm', mirror: 'http://deb.debian.org/debian', nodeSha256: 'a'.repeat(64), nodeVersion: '24.21.0', npmVersion: '11.21.2' };

test('the base cache key follows every part of the recipe', () => {
  const key = baseCacheKey(recipe);
  assert.match(key, /^[0-9a-f]{16}$/);
  assert.equal(baseCacheKey({ ...recipe }), key);
  for (const change of [{ suite: 'trixie' }, { mirror: 'http://mirror.example/debian' }, { nodeSha256: 'b'.repeat(64) }, { nodeVersion: '24.22.0' }, { npmVersion: '11.22.0' }]) {
    assert.notEqual(baseCacheKey({ ...recipe, ...change }), key, JSON.stringify(change));
  }
  assert.equal(baseReference(key), `localhost/modelship/base:${key}`);
});

test('the base Dockerfile imports the prepared root filesystem and puts node on the PATH', () => {
  const dockerfile = baseDockerfile(recipe);
  assert.deepEqual(copySources(dockerfile), ['rootfs.tar']);
  assert.match(dockerfile, /^FROM scratch$/m);
  assert.match(dockerfile, /^ENV PATH=.*\/usr\/local\/bin/m);
});
