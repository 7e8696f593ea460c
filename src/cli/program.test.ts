import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeClient } from '../kube/client.ts';
import { ApiError } from '../kube/errors.ts';
import { NOW, canaryMd, steadyMd } from '../../test/support/cli-fixtures.ts';
import { connect, run, serviceOf, type CliIO, type KubeFlags } from './program.ts';

interface Call {
  method: string;
  path: string;
  body?: unknown;
  query?: unknown;
}

/** A fake API server: answers GETs from `objects` by path, records writes. */
function fakeIO(objects: Record<string, unknown>, files: Record<string, string> = {}) {
  const calls: Call[] = [];
  let out = '';
  let err = '';
  const flagsSeen: KubeFlags[] = [];
  const client = {
    async get(p: string, opts?: { query?: unknown }) {
      calls.push({ method: 'GET', path: p, query: opts?.query });
      if (p in objects) return structuredClone(objects[p]);
      const name = p.split('/').pop();
      throw new ApiError(404, `modeldeployments.modelship.io "${name}" not found`, 'NotFound');
    },
    async mergePatch(p: string, body: unknown) {
      calls.push({ method: 'PATCH', path: p, body });
      return {};
    },
  } as unknown as KubeClient;
  const io: CliIO = {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    readFile: async (p) => {
      if (p in files) return files[p]!;
      throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    },
    readStdin: async () => files['-'] ?? '',
    now: () => NOW,
    connect: (flags) => {
      flagsSeen.push(flags);
      return { client, namespace: flags.namespace ?? 'ml', server: 'https://127.0.0.1:6443' };
    },
  };
  return { io, calls, flagsSeen, out: () => out, err: () => err };
}

const MD = '/apis/modelship.io/v1alpha1/namespaces/ml/modeldeployments/fraud';
const EVENTS = '/api/v1/namespaces/ml/events';

test('status prints the rollout view and asks for the ModelDeployment\'s own events only', async () => {
  const f = fakeIO({ [MD]: canaryMd(), [EVENTS]: { items: [] } });
  assert.equal(await run(['status', 'fraud'], f.io), 0);
  assert.match(f.out(), /^Strategy:\s+Canary$/m);
  const events = f.calls.find((c) => c.path === EVENTS);
  assert.deepEqual(events?.query, { fieldSelector: 'involvedObject.kind=ModelDeployment,involvedObject.name=fraud,involvedObject.uid=u-1' });
});

test('status -o json prints the object', async () => {
  const f = fakeIO({ [MD]: canaryMd() });
  assert.equal(await run(['status', 'fraud', '-o', 'json'], f.io), 0);
  assert.equal(JSON.parse(f.out()).status.canaryRevision.weight, 50);
});

test('flags before or after the command reach the connection: -n, --context, --kubeconfig', async () => {
  const f = fakeIO({ '/apis/modelship.io/v1alpha1/namespaces/prod/modeldeployments/fraud': steadyMd() });
  assert.equal(await run(['--context', 'kind-a', 'history', 'fraud', '-n', 'prod', '--kubeconfig', '/k'], f.io), 0);
  assert.deepEqual(f.flagsSeen[0], { context: 'kind-a', namespace: 'prod', kubeconfig: '/k' });
});

test('a missing ModelDeployment exits 1 with one clear line', async () => {
  const f = fakeIO({});
  assert.equal(await run(['status', 'nope'], f.io), 1);
  assert.equal(f.err(), 'error: modeldeployment "nope" not found in namespace "ml"\n');
});

test('a cluster without the CRD is told so', async () => {
  const f = fakeIO({});
  (f.io.connect(({}) as KubeFlags).client as unknown as { get: () => Promise<never> }).get = async () => {
    throw new ApiError(404, 'the server could not find the requested resource', 'NotFound');
  };
  assert.equal(await run(['status', 'fraud'], f.io), 1);
  assert.match(f.err(), /the ModelDeployment API \(modelship\.io\/v1alpha1\) is not installed/);
});

test('promote --full merge-patches the promote annotation onto the ModelDeployment', async () => {
  const f = fakeIO({ [MD]: canaryMd() });
  assert.equal(await run(['promote', 'fraud', '--full'], f.io), 0);
  assert.deepEqual(f.calls.at(-1), { method: 'PATCH', path: MD, body: { metadata: { annotations: { 'modelship.io/promote': 'full' } } } });
  assert.match(f.out(), /promote requested \(full/);
});

test('every control command patches its annotation', async () => {
  const cases: Array<[string[], Record<string, string | null>, unknown]> = [
    [['promote', 'fraud'], { 'modelship.io/promote': 'step' }, canaryMd()],
    [['abort', 'fraud'], { 'modelship.io/abort': new Date(NOW).toISOString() }, canaryMd()],
    [['pause', 'fraud'], { 'modelship.io/paused': 'true' }, canaryMd()],
    [['undo', 'fraud'], { 'modelship.io/undo': '1' }, steadyMd()],
    [['undo', 'fraud', '--to-revision', '1'], { 'modelship.io/undo': '1' }, steadyMd()],
  ];
  for (const [argv, annotations, md] of cases) {
    const f = fakeIO({ [MD]: md });
    assert.equal(await run(argv, f.io), 0, argv.join(' ') + ': ' + f.err());
    assert.deepEqual(f.calls.at(-1)?.body, { metadata: { annotations } }, argv.join(' '));
  }
});

test('a control that makes no sense now exits 1 without patching', async () => {
  const f = fakeIO({ [MD]: steadyMd() });
  assert.equal(await run(['abort', 'fraud'], f.io), 1);
  assert.match(f.err(), /^error: fraud has no rollout in progress to abort/);
  assert.ok(!f.calls.some((c) => c.method === 'PATCH'));
});

test('predict needs exactly one body source and valid JSON, checked before touching the cluster', async () => {
  for (const [argv, message, code] of [
    [['predict', 'fraud'], 'give the request body with exactly one of -f/--filename or -d/--data', 2],
    [['predict', 'fraud', '-d', '[1]', '-f', 'x.json'], 'give the request body with exactly one of -f/--filename or -d/--data', 2],
    [['predict', 'fraud', '-d', '{oops'], '--data is not valid JSON', 1],
    [['predict', 'fraud', '-f', 'missing.json'], 'cannot read missing.json: ENOENT', 1],
  ] as const) {
    const f = fakeIO({ [MD]: steadyMd() });
    assert.equal(await run([...argv], f.io), code, argv.join(' '));
    assert.ok(f.err().startsWith(`error: ${message}`), f.err());
    assert.equal(f.calls.length, 0);
  }
});

test('predict --v1 and --v2 together is a usage error', async () => {
  const f = fakeIO({});
  assert.notEqual(await run(['predict', 'fraud', '-d', '[1]', '--v1', '--v2'], f.io), 0);
  assert.match(f.err(), /cannot be used with option/);
});

test('predict --direct with no ready endpoints exits 3 and says why', async () => {
  const f = fakeIO({
    [MD]: steadyMd(),
    '/api/v1/namespaces/ml/services/fraud': { metadata: { name: 'fraud' }, spec: { ports: [{ name: 'http', port: 80 }] } },
    '/apis/discovery.k8s.io/v1/namespaces/ml/endpointslices': { items: [] },
  });
  assert.equal(await run(['predict', 'fraud', '--direct', '-d', '[[1,2]]'], f.io), 3);
  assert.match(f.err(), /service fraud in namespace ml has no ready endpoints/);
});

test('unknown commands and options exit non-zero with usage help', async () => {
  const f = fakeIO({});
  assert.equal(await run(['frobnicate'], f.io), 1);
  assert.match(f.err(), /unknown command 'frobnicate'/);
  const g = fakeIO({});
  assert.equal(await run(['status', 'fraud', '--bogus'], g.io), 1);
  assert.match(g.err(), /unknown option '--bogus'/);
});

test('serviceOf reads the Service name from status.url, else the ModelDeployment name', () => {
  assert.equal(serviceOf(steadyMd()), 'fraud');
  const md = steadyMd();
  md.status!.url = 'http://fraud-main.ml.svc.cluster.local:8080';
  assert.equal(serviceOf(md), 'fraud-main');
});

test('connect uses the context\'s namespace, and rejects an unknown context by listing the known ones', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kubectl-modelship-'));
  const file = path.join(dir, 'config');
  await writeFile(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: abc}
contexts:
- name: a
  context: {cluster: c, user: u, namespace: ml}
- name: b
  context: {cluster: c, user: u}
current-context: a
`,
  );
  assert.equal(connect({ kubeconfig: file }).namespace, 'ml');
  assert.equal(connect({ kubeconfig: file, context: 'b' }).namespace, 'default');
  assert.equal(connect({ kubeconfig: file, context: 'b', namespace: 'x' }).namespace, 'x');
  assert.throws(() => connect({ kubeconfig: file, context: 'zz' }), { message: 'context "zz" not found in kubeconfig (contexts: a, b)' });
  assert.throws(() => connect({ kubeconfig: path.join(dir, 'missing') }), { name: 'CliError', message: /^cannot read kubeconfig .*missing: ENOENT/ });
});
