// Runs the Go tests of this module: our Argo CD health check evaluated by Argo CD's own util/lua package
// (through gitops-engine's GetResourceHealth, as the application controller calls it) and the live
// ModelDeployments judged by sigs.k8s.io/cli-utils' kstatus. A cold build compiles Argo CD's package graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

test('Argo CD util/lua and kstatus agree with gitops/live/expectations.yaml and gitops/argocd/health_test.yaml', { timeout: 30 * 60_000 }, () => {
  const run = spawnSync('go', ['test', '-vet=off', './...'], {
    cwd: here,
    encoding: 'utf8',
    env: { ...process.env, CGO_ENABLED: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw new Error(`could not run go (install Go: https://go.dev/dl/): ${run.error.message}`);
  assert.equal(run.status, 0, `go test ./... in gitops/engines failed:\n${run.stdout}\n${run.stderr}`);
});
