import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dependencyClosure } from './dependency-closure.ts';

async function pkg(dir: string, manifest: object): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify(manifest));
}

test('the closure follows dependencies as Node resolves them, nested copies first', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'closure-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const nm = join(root, 'node_modules');
  await pkg(join(nm, 'health'), { dependencies: { loader: '^0.7' } });
  await pkg(join(nm, 'health', 'node_modules', 'loader'), { dependencies: { long: '^5' } });
  await pkg(join(nm, 'loader'), { dependencies: { long: '^5' } });
  await pkg(join(nm, 'long'), {});
  await pkg(join(nm, '@scope', 'native'), { dependencies: { downloader: '1' }, optionalDependencies: { absent: '1' } });
  await pkg(join(nm, 'downloader'), {});
  await pkg(join(nm, 'unrelated'), {});
  assert.deepEqual(dependencyClosure(root, ['health', '@scope/native'], ['downloader']), [
    'node_modules/@scope/native',
    'node_modules/health',
    'node_modules/health/node_modules/loader',
    'node_modules/long',
  ]);
  assert.throws(() => dependencyClosure(root, ['missing']), /missing \(needed by the project\) is not installed/);
});
