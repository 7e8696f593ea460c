import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1ConfigMap, V1Container, V1Pod, V1Secret } from '@kubernetes/client-node';
import { ContainerConfigError, resolveContainerEnv } from './env.ts';
import type { ObjectSource } from './env.ts';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

const objects: ObjectSource = {
  configMap: async (_namespace, name) =>
    name === 'settings' ? ({ data: { MODE: 'fast', 'bad key': 'x', LEVEL: 'info' } } as V1ConfigMap) : undefined,
  secret: async (_namespace, name) => (name === 'creds' ? ({ data: { TOKEN: b64('s3cret') } } as V1Secret) : undefined),
};

function pod(container: V1Container): V1Pod {
  return {
    metadata: { name: 'web-1', namespace: 'ml', uid: 'u-1', labels: { app: 'web' }, annotations: { note: 'hi' } },
    spec: { nodeName: 'node-a', serviceAccountName: 'runner', containers: [container] },
  } as V1Pod;
}

async function envOf(container: V1Container): Promise<Record<string, string>> {
  const env = await resolveContainerEnv({
    pod: pod(container),
    container,
    podIP: '127.0.1.9',
    hostIP: '127.0.0.1',
    nodeAllocatable: { cpu: '8', memory: '32Gi' },
    objects,
  });
  return Object.fromEntries(env);
}

test('fieldRef exposes the downward API fields', async () => {
  const field = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  const env = await envOf({
    name: 'c',
    env: [
      field('NAME', 'metadata.name'),
      field('NS', 'metadata.namespace'),
      field('IP', 'status.podIP'),
      field('NODE', 'spec.nodeName'),
      field('SA', 'spec.serviceAccountName'),
      field('APP', "metadata.labels['app']"),
      field('NOTE', "metadata.annotations['note']"),
    ],
  });
  assert.deepEqual(env, { NAME: 'web-1', NS: 'ml', IP: '127.0.1.9', NODE: 'node-a', SA: 'runner', APP: 'web', NOTE: 'hi' });
});

test('env values expand earlier variables; envFrom comes first and env wins', async () => {
  const env = await envOf({
    name: 'c',
    envFrom: [{ configMapRef: { name: 'settings' } }, { prefix: 'S_', secretRef: { name: 'creds' } }],
    env: [
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'URL', value: 'http://$(POD_IP):8080/$(MODE)' },
      { name: 'LEVEL', value: 'debug' },
    ],
  });
  assert.equal(env.URL, 'http://127.0.1.9:8080/fast');
  assert.equal(env.S_TOKEN, 's3cret');
  assert.equal(env.LEVEL, 'debug');
  assert.equal(env['bad key'], undefined);
});

test('secretKeyRef and configMapKeyRef read single keys', async () => {
  const env = await envOf({
    name: 'c',
    env: [
      { name: 'T', valueFrom: { secretKeyRef: { name: 'creds', key: 'TOKEN' } } },
      { name: 'M', valueFrom: { configMapKeyRef: { name: 'settings', key: 'MODE' } } },
      { name: 'O', valueFrom: { configMapKeyRef: { name: 'absent', key: 'X', optional: true } } },
    ],
  });
  assert.deepEqual(env, { T: 's3cret', M: 'fast' });
});

test('a missing secret is a container config error naming it', async () => {
  await assert.rejects(
    envOf({ name: 'c', env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'nope', key: 'TOKEN' } } }] }),
    (error: unknown) => error instanceof ContainerConfigError && /secret "nope" not found/.test(error.message),
  );
});

test('resourceFieldRef uses limits, or node allocatable when there is none', async () => {
  const env = await envOf({
    name: 'c',
    resources: { limits: { memory: '512Mi' }, requests: { cpu: '250m' } },
    env: [
      { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
    ],
  });
  assert.deepEqual(env, { MEM_MI: '512', CPU: '8', CPU_REQ_M: '250' });
});
