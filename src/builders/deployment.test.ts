import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelDeployment } from '../api/types.ts';
import { sampleModelDeployment } from '../../test/support/sample.ts';
import { buildDeployment, pvcOf } from './deployment.ts';
import { NUMBER_ANNOTATION, TEMPLATE_ANNOTATION, desiredRevision, parseTemplate } from './revision.ts';

const IMAGE = 'ghcr.io/modelship/runtime:0.1.0';

function deploymentOf(md = sampleModelDeployment()) {
  const revision = desiredRevision(md, IMAGE);
  return { revision, dep: buildDeployment(md, { revision, number: 1, replicas: md.spec.replicas ?? 1 }) };
}

describe('Deployment', () => {
  test('is owned by its ModelDeployment as controller', () => {
    const { dep } = deploymentOf();
    assert.deepEqual(dep.metadata?.ownerReferences, [
      { apiVersion: 'modelship.io/v1alpha1', kind: 'ModelDeployment', name: 'fraud', uid: 'uid-fraud', controller: true, blockOwnerDeletion: true },
    ]);
    assert.equal(dep.apiVersion, 'apps/v1');
    assert.equal(dep.kind, 'Deployment');
  });

  test('selects the pods of its own revision, which a new revision never changes: it gets its own Deployment', () => {
    const { dep, revision } = deploymentOf();
    assert.deepEqual(dep.spec?.selector.matchLabels, { 'app.kubernetes.io/name': 'modelship-runtime', 'modelship.io/deployment': 'fraud', 'modelship.io/revision': revision.hash });
    assert.equal(dep.metadata?.name, `fraud-${revision.hash}`);
    assert.equal(dep.spec?.template.metadata?.labels?.['modelship.io/revision'], revision.hash);
    assert.equal(dep.spec?.template.metadata?.labels?.['modelship.io/version'], '3');
    assert.equal(dep.spec?.template.metadata?.labels?.['app.kubernetes.io/managed-by'], 'modelship');
  });

  test('rolls with maxUnavailable 0 so capacity never drops during a version change', () => {
    const { dep } = deploymentOf();
    assert.deepEqual(dep.spec?.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } });
    assert.equal(dep.spec?.replicas, 2);
  });

  test('fetches the model in an init container with the sha256 and the credentials Secret', () => {
    const md = sampleModelDeployment('fraud', 'ml', {
      model: { version: '3', uri: 's3://models/fraud/3/model.onnx', sha256: 'f'.repeat(64), credentialsSecret: 's3-creds' },
    });
    const init = deploymentOf(md).dep.spec?.template.spec?.initContainers?.[0];
    assert.equal(init?.image, IMAGE);
    assert.deepEqual(init?.args, ['fetch', '--uri', 's3://models/fraud/3/model.onnx', '--dest', '/mnt/models/model.onnx', '--sha256', 'f'.repeat(64)]);
    assert.deepEqual(init?.envFrom, [{ secretRef: { name: 's3-creds' } }]);
    assert.ok(init?.volumeMounts?.some((m) => m.name === 'model' && m.mountPath === '/mnt/models'));
  });

  test('serves on the pod IP with the model name, version and runtime options', () => {
    const md = sampleModelDeployment('fraud', 'ml', {
      model: { name: 'fraud-detector', version: '3', uri: 'https://example.com/m.onnx' },
      runtime: { threads: 2, batching: { maxBatchSize: 32, maxQueueDelayMs: 2, maxQueueSize: 64 }, executionProvider: 'cpu' },
    });
    const c = deploymentOf(md).dep.spec?.template.spec?.containers[0];
    assert.deepEqual(c?.args, [
      'serve', '--model', '/mnt/models/model.onnx', '--name', 'fraud-detector', '--model-version', '3', '--port', '8080',
      '--grpc-port', '8081', '--threads', '2', '--max-batch-size', '32', '--max-queue-delay-ms', '2', '--max-queue-size', '64', '--execution-provider', 'cpu',
    ]);
    assert.equal(c?.env?.find((e) => e.name === 'POD_IP'), undefined, 'the runtime listens on all interfaces; it needs no pod IP');
    assert.equal(c?.command, undefined, 'ADR 0001: our pods set args, never command');
  });

  test('probes readiness and liveness on the runtime health paths and sleeps before stopping', () => {
    const c = deploymentOf().dep.spec?.template.spec?.containers[0];
    assert.equal(c?.readinessProbe?.httpGet?.path, '/v2/health/ready');
    assert.equal(c?.readinessProbe?.httpGet?.port, 8080);
    assert.equal(c?.livenessProbe?.httpGet?.path, '/v2/health/live');
    assert.deepEqual(c?.lifecycle?.preStop, { sleep: { seconds: 5 } });
  });

  test('gives pods a grace period covering the preStop sleep and the runtime\'s whole 30 s drain', () => {
    // Kubernetes' default of 30 s would kill a pod still draining after its 5 s preStop sleep.
    assert.equal(deploymentOf().dep.spec?.template.spec?.terminationGracePeriodSeconds, 40);
  });

  test('passes the per-request row and element limits to the runtime', () => {
    const md = sampleModelDeployment('fraud', 'ml', {
      model: { name: 'fraud-detector', version: '3', uri: 'https://example.com/m.onnx' },
      runtime: { maxRequestRows: 256, maxRequestElements: 100000 },
    });
    const args = deploymentOf(md).dep.spec?.template.spec?.containers[0]?.args ?? [];
    assert.deepEqual(args.slice(-4), ['--max-request-rows', '256', '--max-request-elements', '100000']);
  });

  test('exposes gRPC on a port named grpc unless the spec turns it off; readiness stays on HTTP', () => {
    const on = deploymentOf().dep.spec?.template.spec?.containers[0];
    assert.deepEqual(on?.ports, [
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'grpc', containerPort: 8081, protocol: 'TCP' },
    ]);
    assert.equal(on?.readinessProbe?.httpGet?.port, 8080);
    const off = deploymentOf(sampleModelDeployment('fraud', 'ml', { runtime: { grpc: false } })).dep.spec?.template.spec?.containers[0];
    assert.deepEqual(off?.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    const args = off?.args ?? [];
    assert.equal(args[args.indexOf('--grpc-port') + 1], 'off');
  });

  test('runs every container under the restricted pod security standard', () => {
    const pod = deploymentOf().dep.spec?.template.spec;
    assert.equal(pod?.automountServiceAccountToken, false);
    for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
      assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
      assert.equal(c.securityContext?.runAsNonRoot, true);
      assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL']);
      assert.equal(c.securityContext?.seccompProfile?.type, 'RuntimeDefault');
    }
  });

  test('mounts the claim of a pvc:// model read-only where fetch looks for it', () => {
    const md = sampleModelDeployment('fraud', 'ml', { model: { version: '1', uri: 'pvc://models/fraud/model.onnx' } });
    const pod = deploymentOf(md).dep.spec?.template.spec;
    assert.deepEqual(pvcOf('pvc://models/fraud/model.onnx'), { claim: 'models' });
    assert.ok(pod?.volumes?.some((v) => v.persistentVolumeClaim?.claimName === 'models' && v.persistentVolumeClaim.readOnly));
    assert.ok(pod?.initContainers?.[0]?.volumeMounts?.some((m) => m.mountPath === '/mnt/pvc/models' && m.readOnly));
  });

  test('passes resources, env, scheduling and the auth token file through', () => {
    const md = sampleModelDeployment('fraud', 'ml', {
      runtime: {
        resources: { requests: { cpu: '500m' }, limits: { memory: '1Gi' } },
        env: [{ name: 'A', value: 'b' }],
        nodeSelector: { pool: 'ml' },
        tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
        authTokenSecret: 'token',
        image: 'custom:1',
      },
    });
    const pod = deploymentOf(md).dep.spec?.template.spec;
    const c = pod?.containers[0];
    assert.equal(c?.image, 'custom:1');
    assert.deepEqual(c?.resources, { requests: { cpu: '500m' }, limits: { memory: '1Gi' } });
    assert.ok(c?.env?.some((e) => e.name === 'A' && e.value === 'b'));
    assert.deepEqual(pod?.nodeSelector, { pool: 'ml' });
    assert.equal(pod?.tolerations?.length, 1);
    assert.deepEqual(c?.args?.slice(-2), ['--auth-token-file', '/var/run/secrets/modelship/auth/token']);
    assert.ok(pod?.volumes?.some((v) => v.secret?.secretName === 'token'));
  });
});

const canaryMd: Pick<ModelDeployment, 'metadata' | 'spec'> = {
  metadata: { name: 'fraud', namespace: 'ml', uid: 'u1' },
  spec: { model: { version: '3', uri: 's3://models/fraud/3.onnx' }, replicas: 4, rollout: { strategy: 'Canary', steps: [{ setWeight: 10 }] } },
};

describe('the Deployment of a revision', () => {
  // The stable revision of a canary: an older model and runtime than the spec now asks for.
  const old = desiredRevision({ ...canaryMd, spec: { ...canaryMd.spec, model: { version: '2', uri: 's3://models/fraud/2.onnx' }, runtime: { threads: 1 } } }, 'img:1');
  const d = buildDeployment(canaryMd, { revision: old, number: 7, replicas: 3 });

  test('is named after the revision and selects only its pods', () => {
    assert.equal(d.metadata?.name, `fraud-${old.hash}`);
    assert.deepEqual(d.spec?.selector.matchLabels, { 'app.kubernetes.io/name': 'modelship-runtime', 'modelship.io/deployment': 'fraud', 'modelship.io/revision': old.hash });
    assert.equal(d.spec?.template.metadata?.labels?.['modelship.io/revision'], old.hash);
    assert.equal(d.spec?.replicas, 3);
  });

  test('runs the revision\'s own model and runtime, not the spec\'s', () => {
    const container = d.spec?.template.spec?.containers[0];
    assert.equal(container?.image, 'img:1');
    assert.ok(container?.args?.includes('--threads'));
    assert.equal(container?.args?.[container.args.indexOf('--model-version') + 1], '2');
    assert.ok(d.spec?.template.spec?.initContainers?.[0]?.args?.includes('s3://models/fraud/2.onnx'));
    assert.equal(d.metadata?.labels?.['modelship.io/version'], '2');
  });

  test('carries its template and number for the operator to read back', () => {
    assert.deepEqual(parseTemplate(d.metadata?.annotations?.[TEMPLATE_ANNOTATION]), old.template);
    assert.equal(d.metadata?.annotations?.[NUMBER_ANNOTATION], '7');
    assert.deepEqual(d.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.controller]), [['ModelDeployment', 'fraud', true]]);
  });
});
