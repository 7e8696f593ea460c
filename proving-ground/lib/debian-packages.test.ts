import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOnPath, missingPackages } from './debian-packages.ts';

test('a program on the PATH needs no package, a missing one names its package once', async () => {
  assert.equal(await isOnPath('sh'), true);
  assert.deepEqual(
    await missingPackages([
      { command: 'sh', debianPackage: 'dash' },
      { command: 'modelship-no-such-program-a', debianPackage: 'pkg-a' },
      { command: 'modelship-no-such-program-b', debianPackage: 'pkg-a' },
    ]),
    ['pkg-a'],
  );
});
