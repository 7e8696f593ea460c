// `npm run demo` end to end: it must succeed, and what it claims must be true. The demo writes its results
// as JSON (--summary-json), so the claims are checked from data, not by matching its prose.
//
// The demo starts its own proving-ground cluster (a few minutes on a busy machine). Set
// MODELSHIP_TEST_VERBOSE=1 to see its output as it runs; MODELSHIP_KEEP_CLUSTER=1 keeps its directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../proving-ground/cluster.ts';
import { processesWithCommandLineContaining } from '../../proving-ground/lib/processes.ts';
import { Value } from '@sinclair/typebox/value';
import { load } from 'js-yaml';
import type { DemoSummary } from '../../examples/demo/run.ts';
import { manifest, prepareModels, writeBrokenModel } from '../../examples/demo/models.ts';
import { ModelDeploymentSchema } from '../../src/api/schema.ts';

const DEMO = join(REPO_ROOT, 'examples', 'demo.ts');

function runDemo(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (process.env.MODELSHIP_TEST_VERBOSE) process.stderr.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    // SIGINT first: the demo then stops its cluster itself.
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 60_000).unref();
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A scratch directory under the repository, cleaned up by the test. */
function scratchDir(name: string): string {
  const dir = join(REPO_ROOT, '.cache', `${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('package.json runs the demo with `npm run demo`', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.demo, 'node examples/demo.ts');
});

function schemaErrors(md: unknown): string[] {
  return [...Value.Errors(ModelDeploymentSchema, md)].map((e) => `${e.path}: ${e.message}`);
}

test('the walkthrough\'s ModelDeployment and the demo\'s three versions have the shape of a ModelDeployment', () => {
  const walkthrough = load(readFileSync(join(REPO_ROOT, 'examples', 'train', 'modeldeployment.yaml'), 'utf8'));
  assert.deepEqual(schemaErrors(walkthrough), []);
  const dir = scratchDir('demo-manifests');
  try {
    const models = prepareModels(dir, () => {});
    writeBrokenModel(models.v2, models.v3);
    for (const model of [models.v1, models.v2, models.v3]) assert.deepEqual(schemaErrors(manifest(model)), [], `version ${model.version}`);
    // Version 3 is the broken one: its file does not match the digest it is pinned to.
    assert.notEqual(models.v3.sha256, createHash('sha256').update(readFileSync(models.v3.path)).digest('hex'));
    assert.equal(models.v3.sha256, models.v2.sha256);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the demo rejects an unknown option with its usage and exit code 2', async () => {
  const { code, output } = await runDemo(['--no-such-option'], 60_000);
  assert.equal(code, 2);
  assert.match(output, /usage: npm run demo/);
});

test('the demo exits non-zero with a clear message when a cluster is already running in its directory', async () => {
  const dir = scratchDir('demo-busy');
  // Any process naming a path in the directory counts as a cluster of it (that is how the proving ground finds its processes).
  const squatter = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)', join(dir, 'marker')], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { code, output } = await runDemo(['--dir', dir, '--summary-json', join(dir, 'summary.json')], 120_000);
    assert.equal(code, 1, output);
    assert.match(output, /DEMO FAILED during "Start the local Kubernetes cluster"/);
    assert.match(output, /a cluster from an earlier run is still running/);
    assert.match(output, /npm run cluster:down -- --dir/);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as DemoSummary;
    assert.equal(summary.ok, false);
  } finally {
    squatter.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm run demo: cluster, helm install, v1 Ready and predicting, canary to v2, broken v3 rolled back, 0 failed requests', { timeout: 30 * 60_000 }, async () => {
  const dir = scratchDir('demo-test');
  const summaryPath = join(dir, 'summary.json');
  const clusterDir = join(dir, 'cluster');
  const started = Date.now();
  const { code, output } = await runDemo(['--dir', clusterDir, '--summary-json', summaryPath], 25 * 60_000);
  const tail = output.split('\n').slice(-80).join('\n');
  try {
    assert.equal(code, 0, `the demo exited ${code}; its output ended with:\n${tail}`);
    assert.ok(existsSync(summaryPath), 'the demo wrote no summary');
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as DemoSummary;
    assert.equal(summary.ok, true, tail);
    assert.deepEqual(summary.claims.filter((claim) => !claim.ok), []);
    assert.equal(summary.phases.length, 7, 'every step ran');

    // Deployed, Ready, predicting: both versions answered both protocols, with different models behind them.
    for (const version of ['1', '2']) {
      const predictions = summary.predictions[version];
      assert.ok(predictions, `no predictions from version ${version}`);
      assert.equal(predictions.v1Protocol.length, 2);
      assert.deepEqual(predictions.v2Protocol.map((p) => p.toFixed(3)), predictions.v1Protocol.map((p) => p.toFixed(3)));
      for (const p of predictions.v2Protocol) assert.ok(Number.isFinite(p) && p > 0 && p < 400, `implausible prediction ${p}`);
    }
    assert.notEqual(summary.predictions['1']!.v2Protocol[0], summary.predictions['2']!.v2Protocol[0], 'version 2 is a different model');
    assert.match(output, /ModelDeployment demo\/diabetes is Ready: version 1/);

    // The canary went through its steps and completed.
    assert.equal(summary.canary.completed, true);
    assert.ok(summary.canary.weightsSeen.includes(25) && summary.canary.weightsSeen.includes(50), `weights seen: ${summary.canary.weightsSeen}`);
    // At the step weights the candidate's share of answers follows the weight (exact in pods: 1 of 4, 2 of 4).
    for (const weight of [25, 50]) {
      const share = summary.canary.shares.find((s) => s.weight === weight);
      assert.ok(share, `no answers counted at weight ${weight}`);
      if (share.answers >= 200) assert.ok(Math.abs(share.candidateShare - weight / 100) < 0.1, `at ${weight}% the candidate answered ${share.candidateShare}`);
    }

    // The broken version was rolled back by the operator, with the reason and an Event, and never served.
    assert.equal(summary.rollback.happened, true);
    assert.equal(summary.rollback.reason, 'ChecksumMismatch');
    assert.match(summary.rollback.event ?? '', /^RolledBack: /);
    assert.equal(summary.rollback.stableVersion, '2');

    // The steady client never saw a failure, through both rollouts.
    const traffic = summary.traffic;
    assert.ok(traffic, 'no traffic summary');
    // Sent from a pod through the Service's ClusterIP (from the cluster's Service range), not to pods directly.
    assert.equal(summary.trafficVia?.pod, 'demo/diabetes-client');
    assert.match(summary.trafficVia?.url ?? '', /^http:\/\/10\.(1[5-9][0-9])\.\d+\.\d+:80\/v2\/models\/diabetes\/infer$/);
    assert.equal(traffic.failed, 0, `failed requests: ${traffic.failures.join('\n')}`);
    assert.ok(traffic.ok > 100, `only ${traffic.ok} answers`);
    assert.ok((traffic.byVersion['1'] ?? 0) > 0 && (traffic.byVersion['2'] ?? 0) > 0);
    assert.equal(traffic.byVersion['3'], undefined);

    // It cleaned up after itself.
    assert.match(output, /Cluster stopped/);
    assert.deepEqual(processesWithCommandLineContaining(`${clusterDir}/`), []);
    process.stderr.write(`[demo] passed in ${((Date.now() - started) / 1000).toFixed(0)}s (demo wall time ${summary.wallSeconds}s; rollback in ${summary.rollback.seconds}s)\n`);
  } finally {
    if (process.env.MODELSHIP_KEEP_CLUSTER === '1') process.stderr.write(`[demo] kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
});
