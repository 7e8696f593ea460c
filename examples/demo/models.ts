// The model files of the demo and the ModelDeployment manifests that serve them.
//
//   version 1  runtime/fixtures/linear_regression.onnx — scikit-learn LinearRegression on the diabetes data
//              (the model `python examples/train/train.py --test-size 0` trains, fitted exactly so the bytes
//              are the same on every machine: runtime/fixtures/make_fixtures.py)
//   version 2  examples/demo/models/diabetes-v2.onnx — retrained with ridge regularisation
//              (`python examples/train/train.py --alpha 0.1 --out examples/demo/models/diabetes-v2.onnx`)
//   version 3  a truncated copy of version 2 — an upload cut short — pinned to version 2's full digest, so
//              the runtime's fetch refuses it (sha256 mismatch)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dump } from 'js-yaml';
import { REPO_ROOT } from '../../proving-ground/cluster.ts';
import { FIXTURES } from '../../runtime/fixtures/paths.ts';
import type { ModelDeploymentSpec } from '../../src/api/types.ts';
import { DemoError } from './say.ts';

export const NAMESPACE = 'demo';
export const NAME = 'diabetes';
/** spec.replicas: with 4 pods a 25% weight is exactly one canary pod. */
export const REPLICAS = 4;

export interface ModelFile {
  version: string;
  /** The file on this machine; copyIntoClaim puts it in the namespace's `models` claim. */
  path: string;
  /** Where pods read it: pvc://models/diabetes-v<version>.onnx. */
  uri: string;
  /** The digest pinned in spec.model.sha256. */
  sha256: string;
  what: string;
}

export function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The PersistentVolumeClaim in the demo namespace that holds the model files, as a user would upload them. */
export const MODEL_CLAIM = 'models';

/** Makes sure the model files exist (running `npm run fixtures` if the fixture is missing) and describes them. */
export function prepareModels(workDir: string, log: (line: string) => void): { v1: ModelFile; v2: ModelFile; v3: ModelFile } {
  if (!existsSync(FIXTURES.linearRegression)) {
    log('runtime/fixtures/linear_regression.onnx is missing; running `npm run fixtures` (needs Python 3.10+)');
    try {
      execFileSync(process.execPath, [join(REPO_ROOT, 'runtime', 'fixtures', 'setup.ts')], { stdio: ['ignore', 'inherit', 'inherit'] });
    } catch {
      throw new DemoError('could not create the model fixtures', ['run `npm run fixtures` and read its output']);
    }
  }
  const v2Path = join(REPO_ROOT, 'examples', 'demo', 'models', 'diabetes-v2.onnx');
  if (!existsSync(v2Path)) {
    throw new DemoError(`${v2Path} is missing`, ['it is part of the repository; restore it with git checkout, or re-create it with examples/train/train.py --alpha 0.1']);
  }
  // Written by writeBrokenModel() when it is needed (the cluster start empties workDir).
  const v3Path = join(workDir, 'models', 'diabetes-v3.onnx');

  const file = (version: string, path: string, sha256: string, what: string): ModelFile => ({
    version,
    path,
    uri: `pvc://${MODEL_CLAIM}/${claimFileName(version)}`,
    sha256,
    what,
  });
  return {
    v1: file('1', FIXTURES.linearRegression, sha256Of(FIXTURES.linearRegression), 'LinearRegression, trained on all 442 rows'),
    v2: file('2', v2Path, sha256Of(v2Path), 'Ridge(alpha=0.1), retrained with 20% held out'),
    v3: file('3', v3Path, sha256Of(v2Path), 'an upload cut short: half the bytes of v2, pinned to the full file\'s sha256'),
  };
}

function claimFileName(version: string): string {
  return `diabetes-v${version}.onnx`;
}

/** Copies a model file into the claim's directory (the local provisioner's claims are directories). */
export function copyIntoClaim(claimDir: string, model: ModelFile): string {
  mkdirSync(claimDir, { recursive: true });
  const target = join(claimDir, claimFileName(model.version));
  copyFileSync(model.path, target);
  return target;
}

/** Writes version 3: the first half of version 2's file. */
export function writeBrokenModel(v2: ModelFile, v3: ModelFile): void {
  const bytes = readFileSync(v2.path);
  mkdirSync(dirname(v3.path), { recursive: true });
  writeFileSync(v3.path, bytes.subarray(0, Math.floor(bytes.length / 2)));
}

/** The ModelDeployment for one model version: four pods, a canary in four steps judged by the runtime's metrics. */
export function manifest(model: ModelFile): { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: ModelDeploymentSpec } {
  return {
    apiVersion: 'modelship.io/v1alpha1',
    kind: 'ModelDeployment',
    metadata: { name: NAME, namespace: NAMESPACE },
    spec: {
      model: { name: NAME, version: model.version, uri: model.uri, sha256: model.sha256 },
      replicas: REPLICAS,
      runtime: {
        // Small pods on a small machine: one inference worker each, probed every second.
        threads: 1,
        readinessProbe: { periodSeconds: 1, failureThreshold: 2 },
      },
      rollout: {
        strategy: 'Canary',
        steps: [{ setWeight: 25 }, { pause: { duration: '10s' } }, { setWeight: 50 }, { pause: { duration: '10s' } }],
        analysis: { interval: '5s', maxErrorRate: 0.01, maxP99LatencyMs: 1000, minRequests: 10, failureLimit: 1 },
        progressDeadlineSeconds: 180,
      },
    },
  };
}

export function writeManifest(workDir: string, model: ModelFile): { path: string; yaml: string } {
  const dir = join(workDir, 'manifests');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${NAME}-v${model.version}.yaml`);
  const yaml = dump(manifest(model), { lineWidth: -1 });
  writeFileSync(path, yaml);
  return { path, yaml };
}
