// The ModelDeployments captured live (capture.ts) against what the operator means and what Argo CD's health
// check says under Lua 5.4. The same fixtures are judged by Argo CD's own engine and by kstatus in
// gitops/engines (engines.test.ts runs those Go tests); expectations.yaml holds every engine's answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { LuaFactory } from 'wasmoon';
import { kstatusOf } from '../../src/status/conditions.ts';
import type { ModelDeployment } from '../../src/api/types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Verdict {
  status: string;
  message: string;
}
interface LiveState {
  name: string;
  inputPath: string;
  argocd: Verdict;
  kstatus: Verdict;
  operator: string;
}

const { states } = load(await readFile(path.join(here, 'expectations.yaml'), 'utf8')) as { states: LiveState[] };
const script = await readFile(path.join(here, '../argocd/health.lua'), 'utf8');
const factory = new LuaFactory();

async function fixture(state: LiveState): Promise<ModelDeployment> {
  return load(await readFile(path.join(here, state.inputPath), 'utf8')) as ModelDeployment;
}

test('the live fixtures cover progressing, ready, canary paused, paused, degraded after rollback and deleting', () => {
  assert.deepEqual(
    states.map((s) => s.name),
    ['progressing', 'ready', 'canary paused for promotion', 'paused by annotation', 'degraded after rollback', 'deleting'],
  );
});

for (const state of states) {
  test(`${state.name}: the operator's own kstatus verdict is ${state.operator}`, async () => {
    const md = await fixture(state);
    assert.equal(kstatusOf(md).status, state.operator);
    assert.equal(state.operator, state.kstatus.status, 'operator and kstatus agree');
  });

  test(`${state.name}: health.lua under Lua 5.4 agrees with Argo CD`, async (t) => {
    const md = await fixture(state);
    if (md.metadata.deletionTimestamp !== undefined) {
      // Argo CD (gitops-engine) answers "Pending deletion" itself and never runs the script; gitops/engines checks it.
      assert.equal(state.argocd.message, 'Pending deletion');
      return;
    }
    const lua = await factory.createEngine({ enableProxy: false, injectObjects: false });
    t.after(() => lua.global.close());
    lua.global.set('obj', md);
    const got = (await lua.doString(script)) as Verdict;
    assert.deepEqual({ status: got.status, message: got.message }, state.argocd);
  });
}
