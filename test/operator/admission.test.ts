// The API server itself rejects bad ModelDeployments with messages a person understands, and accepts (and
// defaults) the examples. Runs against a real kube-apiserver: the proving ground's, or the cluster named by
// MODELSHIP_KUBECONFIG.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.ts';
import { ApiError } from '../../src/kube/errors.ts';
import { renderCrd } from '../../src/api/crd.ts';
import { applyDefaults } from '../../src/api/defaults.ts';
import { CRD_NAME, GROUP, PLURAL, VERSION } from '../../src/api/constants.ts';
import type { ModelDeployment, ModelDeploymentSpec } from '../../src/api/types.ts';
import { startCluster } from '../../proving-ground/cluster.ts';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');
const NAMESPACE = 'default';
const COLLECTION = `/apis/${GROUP}/${VERSION}/namespaces/${NAMESPACE}/${PLURAL}`;

const goodSpec: ModelDeploymentSpec = { model: { version: '1', uri: 's3://models/iris/1/model.onnx' } };

interface BadCase {
  /** What is wrong, as the test name says it. */
  what: string;
  name?: string;
  spec: unknown;
  /** The API server's message must match (field path and rule). */
  message: RegExp;
  strict?: boolean;
}

const rollout = (r: Record<string, unknown>) => ({ ...goodSpec, rollout: r });
const model = (m: Record<string, unknown>) => ({ ...goodSpec, model: { ...goodSpec.model, ...m } });

const BAD: BadCase[] = [
  { what: 'a model without a uri', spec: { model: { version: '1' } }, message: /spec\.model\.uri: Required value/ },
  { what: 'a uri with an unsupported scheme', spec: model({ uri: 'http://models.example.com/m.onnx' }), message: /spec\.model\.uri: Invalid value: .*must start with https:\/\/, s3:\/\/, pvc:\/\/ or file:\/\// },
  { what: 'an s3 uri without a key', spec: model({ uri: 's3://models' }), message: /spec\.model\.uri: Invalid value: .*s3 URIs must name a bucket and a key/ },
  { what: 'a pvc uri without a path', spec: model({ uri: 'pvc://claim' }), message: /spec\.model\.uri: Invalid value: .*pvc URIs must name a claim and a path/ },
  { what: 'a sha256 that is not hex', spec: model({ sha256: 'Z'.repeat(64) }), message: /spec\.model\.sha256: Invalid value: .*must be 64 lowercase hexadecimal characters/ },
  { what: 'a sha256 of the wrong length', spec: model({ sha256: 'abc123' }), message: /spec\.model\.sha256: Invalid value: "abc123": must be 64 lowercase hexadecimal characters/ },
  { what: 'credentials for a pvc model', spec: model({ uri: 'pvc://store/m.onnx', credentialsSecret: 's3-creds' }), message: /spec\.model\.credentialsSecret: Forbidden: credentialsSecret is only used with s3:\/\/ and https:\/\// },
  { what: 'a version that is not a label value', spec: model({ version: 'v1 beta' }), message: /spec\.model\.version: Invalid value: .*must be a valid label value/ },
  { what: 'an unknown strategy', spec: rollout({ strategy: 'Linear' }), message: /spec\.rollout\.strategy: Unsupported value: "Linear": supported values: "RollingUpdate", "Canary", "BlueGreen"/ },
  { what: 'steps with strategy RollingUpdate', spec: rollout({ steps: [{ setWeight: 10 }] }), message: /spec\.rollout\.steps: Forbidden: steps are only used by strategy Canary, not RollingUpdate/ },
  { what: 'strategy Canary without steps', spec: rollout({ strategy: 'Canary' }), message: /spec\.rollout\.steps: Required value: strategy Canary needs steps/ },
  { what: 'a weight above 100', spec: rollout({ strategy: 'Canary', steps: [{ setWeight: 150 }] }), message: /spec\.rollout\.steps\[0\]\.setWeight: Invalid value: 150: .*less than or equal to 100/ },
  { what: 'weights that go down', spec: rollout({ strategy: 'Canary', steps: [{ setWeight: 50 }, { pause: {} }, { setWeight: 20 }] }), message: /spec\.rollout\.steps: Invalid value: .*setWeight must strictly increase from step to step/ },
  { what: 'a step with both setWeight and pause', spec: rollout({ strategy: 'Canary', steps: [{ setWeight: 10, pause: {} }] }), message: /spec\.rollout\.steps\[0\]: Invalid value: .*each step must set exactly one of setWeight or pause/ },
  { what: 'an empty step', spec: rollout({ strategy: 'Canary', steps: [{ setWeight: 10 }, {}] }), message: /spec\.rollout\.steps\[1\]: Invalid value: .*each step must set exactly one of setWeight or pause/ },
  { what: 'a pause duration that is not a duration', spec: rollout({ strategy: 'Canary', steps: [{ setWeight: 10 }, { pause: { duration: 'soon' } }] }), message: /spec\.rollout\.steps\[1\]\.pause\.duration: Invalid value: .*must be a duration such as 30s, 5m, 1h30m or 500ms/ },
  { what: 'blueGreen settings with strategy Canary', spec: rollout({ strategy: 'Canary', steps: [{ setWeight: 10 }], blueGreen: {} }), message: /spec\.rollout\.blueGreen: Forbidden: blueGreen settings are only used by strategy BlueGreen, not Canary/ },
  { what: 'analysis with strategy RollingUpdate', spec: rollout({ analysis: { maxErrorRate: 0.01 } }), message: /spec\.rollout\.analysis: Forbidden: analysis runs during Canary steps and before a BlueGreen promotion/ },
  { what: 'analysis without any threshold', spec: rollout({ strategy: 'BlueGreen', analysis: { minRequests: 10 } }), message: /spec\.rollout\.analysis: Required value: set at least one threshold: maxErrorRate, maxP99LatencyMs or maxP99LatencyRatio/ },
  { what: 'a prediction check without a threshold', spec: rollout({ strategy: 'BlueGreen', analysis: { prediction: {} as never } }), message: /spec\.rollout\.analysis\.prediction\.threshold: Required value/ },
  { what: 'a prediction statistic nobody implements', spec: rollout({ strategy: 'BlueGreen', analysis: { prediction: { threshold: 0.2, statistic: 'KL' as never } } }), message: /spec\.rollout\.analysis\.prediction\.statistic: Unsupported value: "KL": supported values: "PSI"/ },
  { what: 'an error rate above 1', spec: rollout({ strategy: 'BlueGreen', analysis: { maxErrorRate: 1.5 } }), message: /spec\.rollout\.analysis\.maxErrorRate: Invalid value: 1\.5: .*less than or equal to 1/ },
  { what: 'a latency ratio below 1', spec: rollout({ strategy: 'BlueGreen', analysis: { maxP99LatencyRatio: 0.5 } }), message: /spec\.rollout\.analysis\.maxP99LatencyRatio: Invalid value: 0\.5: .*greater than or equal to 1/ },
  { what: 'an analysis interval of two hours', spec: rollout({ strategy: 'BlueGreen', analysis: { maxErrorRate: 0.01, interval: '2h' } }), message: /spec\.rollout\.analysis\.interval: Invalid value: .*must be between 1s and 1h/ },
  { what: 'minReplicas above maxReplicas', spec: { ...goodSpec, autoscaling: { minReplicas: 5, maxReplicas: 2 } }, message: /spec\.autoscaling\.minReplicas: Invalid value: .*minReplicas must not exceed maxReplicas/ },
  { what: 'a zero in-flight target', spec: { ...goodSpec, autoscaling: { maxReplicas: 2, targetInflightRequestsPerPod: 0 } }, message: /spec\.autoscaling\.targetInflightRequestsPerPod: Invalid value: .*must be a positive number or quantity, such as 4 or 2500m/ },
  { what: 'an in-flight target that is not a quantity', spec: { ...goodSpec, autoscaling: { maxReplicas: 2, targetInflightRequestsPerPod: 'many' } }, message: /spec\.autoscaling\.targetInflightRequestsPerPod: Invalid value: .*must be a positive number or quantity, such as 4 or 2500m/ },
  { what: 'negative replicas', spec: { ...goodSpec, replicas: -1 }, message: /spec\.replicas: Invalid value: -1: .*greater than or equal to 0/ },
  { what: 'a queue smaller than a batch', spec: { ...goodSpec, runtime: { batching: { maxBatchSize: 32, maxQueueDelayMs: 2, maxQueueSize: 8 } } }, message: /spec\.runtime\.batching\.maxQueueSize: Invalid value: .*maxQueueSize must be at least maxBatchSize/ },
  { what: 'an env var with both value and valueFrom', spec: { ...goodSpec, runtime: { env: [{ name: 'A', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] } }, message: /spec\.runtime\.env\[0\]\.valueFrom: Forbidden: set value or valueFrom, not both/ },
  { what: 'a toleration with operator Exists and a value', spec: { ...goodSpec, runtime: { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] } }, message: /spec\.runtime\.tolerations\[0\]\.value: Forbidden: value must be empty when operator is Exists/ },
  { what: 'a Secret name that is not a DNS name', spec: { ...goodSpec, runtime: { authTokenSecret: 'My_Token' } }, message: /spec\.runtime\.authTokenSecret: Invalid value: .*must be a lowercase DNS subdomain/ },
  { what: 'a name too long for the Services derived from it', name: `m${'x'.repeat(55)}`, spec: goodSpec, message: /metadata\.name: Too long: may not be more than 50 bytes/ },
  { what: 'a dotted name, which no Service name can carry', name: 'fraud.v2', spec: goodSpec, message: /metadata\.name: Invalid value: .*must be at most 50 lowercase letters, digits and "-", starting with a letter/ },
  { what: 'a misspelt field under strict field validation', spec: rollout({ stategy: 'Canary' }), message: /unknown field "spec\.rollout\.stategy"/, strict: true },
];

describe('admission of ModelDeployments by the API server', () => {
  let cluster: TestCluster;
  let client: KubeClient;

  before(async () => {
    cluster = await useCluster();
    client = new KubeClient(cluster.kubeConfig, 'modelship-admission-test');
    await installCrd(client);
  });

  after(async () => {
    await cluster?.stop();
  });

  test('the CRD is accepted by the API server (structural, CEL compiles within the cost budget) and becomes Established', async () => {
    const crd = await client.get<{ status?: { conditions?: Array<{ type: string; status: string; message?: string }> } }>(
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`,
    );
    const byType = new Map(crd.status?.conditions?.map((c) => [c.type, c]));
    assert.equal(byType.get('Established')?.status, 'True');
    assert.notEqual(byType.get('NonStructuralSchema')?.status, 'True', byType.get('NonStructuralSchema')?.message ?? '');
  });

  test(`at least 15 distinct bad specs are covered (${BAD.length})`, () => {
    assert.ok(BAD.length >= 15);
    assert.equal(new Set(BAD.map((c) => c.what)).size, BAD.length);
  });

  for (const bad of BAD) {
    test(`rejects ${bad.what} with a readable message`, async (t) => {
      const error = await createModelDeployment(client, bad.name ?? 'bad', bad.spec, { dryRun: true, strict: bad.strict ?? false }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof ApiError, `expected the API server to reject ${bad.what}, but it was accepted`);
      assert.ok([400, 422].includes(error.statusCode), `status ${error.statusCode}: ${error.message}`);
      assert.match(error.message, bad.message);
      t.diagnostic(error.message);
    });
  }

  test('accepts a minimal spec and stores it with the same defaults applyDefaults gives', async () => {
    const created = await createModelDeployment(client, 'minimal', goodSpec);
    try {
      assert.deepEqual(created.spec, applyDefaults(goodSpec));
    } finally {
      await client.delete(`${COLLECTION}/minimal`);
    }
  });

  test('accepts every example and defaults it the way applyDefaults does', async () => {
    const files = (await readdir(EXAMPLES)).filter((f) => f.startsWith('modeldeployment-') && f.endsWith('.yaml'));
    assert.ok(files.length >= 4);
    for (const file of files) {
      const md = load(await readFile(path.join(EXAMPLES, file), 'utf8')) as ModelDeployment;
      const name = md.metadata.name ?? '';
      const created = await createModelDeployment(client, name, md.spec, { strict: true }).catch((e: unknown) => {
        throw new Error(`${file} was rejected: ${e instanceof Error ? e.message : String(e)}`);
      });
      try {
        assert.deepEqual(created.spec, applyDefaults(md.spec), file);
      } finally {
        await client.delete(`${COLLECTION}/${name}`);
      }
    }
  });

  test('the scale subresource reads and writes spec.replicas', async () => {
    await createModelDeployment(client, 'scaled', { ...goodSpec, replicas: 2 });
    try {
      const scale = await client.get<{ spec: { replicas: number } }>(`${COLLECTION}/scaled/scale`);
      assert.equal(scale.spec.replicas, 2);
      await client.mergePatch(`${COLLECTION}/scaled/scale`, { spec: { replicas: 3 } });
      const md = await client.get<ModelDeployment>(`${COLLECTION}/scaled`);
      assert.equal(md.spec.replicas, 3);
    } finally {
      await client.delete(`${COLLECTION}/scaled`);
    }
  });
});

async function createModelDeployment(
  client: KubeClient,
  name: string,
  spec: unknown,
  options: { dryRun?: boolean; strict?: boolean } = {},
): Promise<ModelDeployment> {
  const body = { apiVersion: `${GROUP}/${VERSION}`, kind: 'ModelDeployment', metadata: { name }, spec };
  return client.create<ModelDeployment>(COLLECTION, body, {
    query: { dryRun: options.dryRun ? 'All' : undefined, fieldValidation: options.strict ? 'Strict' : undefined },
  });
}

/** Applies the CRD (server-side apply, so a shared cluster gets the current schema) and waits until it serves. */
async function installCrd(client: KubeClient): Promise<void> {
  await client.apply(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`, renderCrd(), 'modelship-tests');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const crd = await client.get<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`,
    );
    const established = crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    // Established can precede the first successful request by a moment; a dry-run create proves it serves.
    if (established) {
      const served = await createModelDeployment(client, 'probe', goodSpec, { dryRun: true }).then(
        () => true,
        (e: unknown) => !(e instanceof ApiError && e.statusCode === 404) && Promise.reject(e),
      );
      if (served) return;
    }
    if (Date.now() > deadline) throw new Error(`CRD ${CRD_NAME} did not become Established within 30s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface TestCluster {
  kubeConfig: KubeConfig;
  stop(): Promise<void>;
}

/**
 * A running API server: the cluster MODELSHIP_KUBECONFIG names, or a fresh proving ground. Admission needs
 * no kubelet and no operator.
 */
async function useCluster(): Promise<TestCluster> {
  const external = process.env.MODELSHIP_KUBECONFIG;
  if (external) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(external);
    return { kubeConfig, stop: async () => {} };
  }
  const cluster = await startCluster({
    kubelet: false,
    onProgress: (line) => process.env.MODELSHIP_TEST_VERBOSE && console.error(`[cluster] ${line}`),
  });
  return { kubeConfig: cluster.kubeConfig, stop: () => cluster.stop({ removeDir: process.env.MODELSHIP_KEEP_CLUSTER !== '1' }) };
}
