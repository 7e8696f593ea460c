// Runs health.lua on every case of health_test.yaml (Argo CD's own test format) in a Lua 5.4 VM (wasmoon,
// compiled to WebAssembly), and checks that the copies of the script in the docs have not drifted. Argo CD's
// own engine (gopher-lua, Lua 5.1, through util/lua) runs the same cases in gitops/engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { LuaFactory } from 'wasmoon';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');

interface HealthTest {
  healthStatus: { status: string; message?: string };
  inputPath: string;
}

const script = await readFile(path.join(here, 'health.lua'), 'utf8');
const cases = (load(await readFile(path.join(here, 'health_test.yaml'), 'utf8')) as { tests: HealthTest[] }).tests;
const factory = new LuaFactory();

/** Runs the health check the way Argo CD does: a fresh VM with `obj` set to the resource. */
async function health(obj: unknown): Promise<{ status?: string; message?: string }> {
  // Objects are copied into Lua tables (no proxies), as Argo CD converts unstructured JSON to tables.
  const lua = await factory.createEngine({ enableProxy: false, injectObjects: false });
  try {
    lua.global.set('obj', obj);
    return (await lua.doString(script)) as { status?: string; message?: string };
  } finally {
    lua.global.close();
  }
}

test('health_test.yaml has a case for every Argo CD health status the check can return', () => {
  const statuses = new Set(cases.map((c) => c.healthStatus.status));
  assert.deepEqual([...statuses].sort(), ['Degraded', 'Healthy', 'Progressing', 'Suspended']);
});

for (const c of cases) {
  test(`health.lua reports ${c.healthStatus.status} for ${c.inputPath}`, async () => {
    const obj = load(await readFile(path.join(here, c.inputPath), 'utf8'));
    const got = await health(obj);
    assert.equal(got.status, c.healthStatus.status);
    if (c.healthStatus.message !== undefined) assert.equal(got.message, c.healthStatus.message);
  });
}

test('health.lua needs only the libraries Argo CD opens for health checks', async () => {
  // Argo CD opens base, table, package and a safe os library (string and math are nil unless useOpenLibs is
  // set); gitops/engines runs the script in Argo CD itself. Here the same sandbox under Lua 5.4: the string
  // metatable goes too, so ("%d"):format(...) would fail as it does in Argo CD.
  for (const c of cases) {
    const obj = load(await readFile(path.join(here, c.inputPath), 'utf8'));
    const lua = await factory.createEngine({ enableProxy: false, injectObjects: false });
    try {
      lua.global.set('obj', obj);
      await lua.doString('local d = debug; d.setmetatable("", nil); string, math, io, utf8, coroutine, debug = nil, nil, nil, nil, nil, nil');
      const got = (await lua.doString(script)) as { status?: string };
      assert.equal(got.status, c.healthStatus.status, c.inputPath);
    } finally {
      lua.global.close();
    }
  }
});

test('the argocd-cm patch and docs/gitops.md carry the same health.lua', async () => {
  const patch = load(await readFile(path.join(here, 'argocd-cm-patch.yaml'), 'utf8')) as { data: Record<string, string> };
  assert.equal(patch.data['resource.customizations.health.modelship.io_ModelDeployment'], script);
  const docs = await readFile(path.join(repoRoot, 'docs/gitops.md'), 'utf8');
  assert.ok(docs.includes(indent(script, '    ')), 'docs/gitops.md must embed gitops/argocd/health.lua verbatim (indented 4 spaces)');
});

function indent(text: string, prefix: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => (l ? prefix + l : l))
    .join('\n');
}
