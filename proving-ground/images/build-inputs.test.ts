import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { contextFiles, copySources, inputsHash } from './build-inputs.ts';
import type { InputsDescription } from './build-inputs.ts';

test('COPY and ADD sources are read from the context; copies between stages are not', () => {
  const dockerfile = [
    'FROM base AS build',
    'COPY package.json package-lock.json .npmrc ./',
    'copy --chown=1:1 src/ ./src',
    'ADD \\',
    '  build ./build',
    'COPY --from=build /out ./',
    'RUN echo COPY not-a-source here',
  ].join('\n');
  assert.deepEqual(copySources(dockerfile), ['package.json', 'package-lock.json', '.npmrc', 'src', 'build']);
});

const inputs: InputsDescription = {
  dockerfile: 'FROM x',
  files: { 'a.ts': '1', 'b.ts': '2' },
  baseImageId: 'base1',
  buildArgs: { VERSION: '0.1.0', BASE_IMAGE: 'b' },
};

test('the inputs hash changes with every input and not with their order', () => {
  const hash = inputsHash(inputs);
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.equal(inputsHash({ ...inputs, files: { 'b.ts': '2', 'a.ts': '1' }, buildArgs: { BASE_IMAGE: 'b', VERSION: '0.1.0' } }), hash);
  assert.notEqual(inputsHash({ ...inputs, dockerfile: 'FROM y' }), hash);
  assert.notEqual(inputsHash({ ...inputs, files: { 'a.ts': '1', 'b.ts': '3' } }), hash);
  assert.notEqual(inputsHash({ ...inputs, files: { 'a.ts': '1', 'c.ts': '2' } }), hash);
  assert.notEqual(inputsHash({ ...inputs, baseImageId: 'base2' }), hash);
  assert.notEqual(inputsHash({ ...inputs, buildArgs: { VERSION: '0.2.0', BASE_IMAGE: 'b' } }), hash);
});

test('context files are hashed under each source, minus what .dockerignore keeps out', async (t) => {
  const context = await mkdtemp(join(tmpdir(), 'build-inputs-'));
  t.after(() => rm(context, { recursive: true, force: true }));
  await mkdir(join(context, 'src', 'node_modules', 'x'), { recursive: true });
  await writeFile(join(context, 'src', 'main.ts'), 'main');
  await writeFile(join(context, 'src', 'main.test.ts'), 'test');
  await writeFile(join(context, 'src', 'node_modules', 'x', 'index.js'), 'dep');
  await writeFile(join(context, 'package.json'), '{}');
  await writeFile(join(context, 'unrelated.ts'), 'not copied');
  const files = await contextFiles(context, ['src', 'package.json'], '**/node_modules\n**/*.test.ts\n');
  assert.deepEqual(Object.keys(files).sort(), ['package.json', 'src/main.ts']);
  assert.equal(files['src/main.ts'], createHash('sha256').update('main').digest('hex'));
  await writeFile(join(context, 'src', 'main.ts'), 'main, changed');
  const changed = await contextFiles(context, ['src', 'package.json'], '**/node_modules\n**/*.test.ts\n');
  assert.notEqual(changed['src/main.ts'], files['src/main.ts']);
  assert.equal(changed['package.json'], files['package.json']);
});
