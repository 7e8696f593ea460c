import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDeployment, pvcOf } from './deployment.ts';
import { buildHpa } from './hpa.ts';
import { childLabels, selectorLabels, selectorString } from './labels.ts';
import { desiredRevision } from './revision.ts';
import { sampleModelDeployment } from './sample.ts';
import { buildService, serviceUrl } from './service.ts';

const IMAGE = 'ghcr.io/modelship/runtime:0.1.0';

function deploymentOf(md = sampleModelDeployment()) {
  const revision = desiredRevision(md, IMAGE);
  return { revision, dep: buildDeployment(md, { revision, number: 1, replicas: md.spec.replicas ?? 1 }) };
}

describe('revision', () => {
  test('the same spec always hashes to the same revision', () => {
    assert.equal(desiredRevision(sampleModelDeployment(), IMAGE).hash, desiredRevision(sampleModelDeployment(), IMAGE).hash);
  });

  test('version, uri, sha256, runtime settings and the default image each make a new revision', () => {
    const base = desiredRevision(sampleModelDeployment(), IMAGE).hash;
    const variants = [
      sampleModelDeployment('fraud', 'ml', { model: { version: '4', uri: 's3://models/fraud/3/model.onnx' } }),
      sampleModelDeployment('fraud', 'ml', { model: { version: '3', uri: 's3://models/fraud/4/model.onnx' } }),
      sampleModelDeployment('fraud', 'ml', { model: { version: '3', uri: 's3://models/fraud/3/model.onnx', sha256: 'a'.repeat(64) } }),
      sampleModelDeployment('fraud', 'ml', { runtime: { threads: 2 } }),
    ];
    const hashes = variants.map((md) => desiredRevision(md, IMAGE).hash);
    hashes.push(desiredRevision(sampleModelDeployment(), 'other:1').hash);
    assert.equal(new Set([base, ...hashes]).size, 6);
  });

  test('replicas and autoscaling do not make a new revision: scaling is not a rollout', () => {
    const base = desiredRevision(sampleModelDeployment(), IMAGE).hash;
    const scaled = sampleModelDeployment('fraud', 'ml', { replicas: 9, autoscaling: { minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 70 } });
    assert.equal(desiredRevision(scaled, IMAGE).hash, base);
  });

  test('key order in the spec does not change the hash', () => {
    const a = sampleModelDeployment('fraud', 'ml', { runtime: { threads: 2, batching: { maxBatchSize: 8, maxQueueDelayMs: 2 } } });
    const b = sampleModelDeployment('fraud', 'ml', { runtime: { batching: { maxQueueDelayMs: 2, maxBatchSize: 8 }, threads: 2 } });
    assert.equal(desiredRevision(a, IMAGE).hash, desiredRevision(b, IMAGE).hash);
  });
});

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

describe('Service', () => {
  test('sends port 80 to the runtime port 8080 and 8081 to its gRPC port, of every revision', () => {
    const md = sampleModelDeployment();
    const svc = buildService(md);
    assert.deepEqual(svc.spec?.ports, [
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'grpc', port: 8081, targetPort: 8081, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
    ]);
    assert.deepEqual(svc.spec?.selector, selectorLabels(md));
    assert.equal(svc.metadata?.ownerReferences?.[0]?.controller, true);
    assert.deepEqual(svc.metadata?.labels, childLabels(md));
    assert.equal(serviceUrl(md), 'http://fraud.ml.svc.cluster.local');
  });

  test('has no gRPC port when the spec turns gRPC off', () => {
    const svc = buildService(sampleModelDeployment('fraud', 'ml', { runtime: { grpc: false } }));
    assert.deepEqual(svc.spec?.ports, [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]);
  });
});

describe('HorizontalPodAutoscaler', () => {
  test('is not built without spec.autoscaling', () => {
    assert.equal(buildHpa(sampleModelDeployment()), undefined);
  });

  test('scales the ModelDeployment through /scale, not the Deployment', () => {
    const md = sampleModelDeployment('fraud', 'ml', {
      autoscaling: { minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 70, targetMemoryUtilizationPercentage: 80, scaleDownStabilizationSeconds: 60 },
    });
    const hpa = buildHpa(md);
    assert.equal(hpa?.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa?.spec?.scaleTargetRef, { apiVersion: 'modelship.io/v1alpha1', kind: 'ModelDeployment', name: 'fraud' });
    assert.equal(hpa?.spec?.minReplicas, 2);
    assert.equal(hpa?.spec?.maxReplicas, 10);
    assert.deepEqual(
      hpa?.spec?.metrics?.map((m) => [m.resource?.name, m.resource?.target.averageUtilization]),
      [['cpu', 70], ['memory', 80]],
    );
    assert.equal(hpa?.spec?.behavior?.scaleDown?.stabilizationWindowSeconds, 60);
  });
});

test('the selector string is sorted and comma-separated, as /scale reports it', () => {
  assert.equal(selectorString({ b: '2', a: '1' }), 'a=1,b=2');
});
