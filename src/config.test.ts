import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBindAddress, parseConfig, parseNamespaces } from './config.ts';

test('defaults watch all namespaces with the runtime image of this version', () => {
  const c = parseConfig([]);
  assert.deepEqual(c.namespaces, []);
  assert.match(c.runtimeImage, /^ghcr\.io\/modelship\/runtime:\d+\.\d+\.\d+/);
  assert.deepEqual(c.metricsBindAddress, { host: undefined, port: 8080 });
  assert.deepEqual(c.healthProbeBindAddress, { host: undefined, port: 8081 });
  assert.equal(c.leaderElect, false);
  assert.equal(c.maxConcurrentReconciles, 16);
  assert.equal(c.resyncPeriodMs, 300_000);
});

test('flags override defaults', () => {
  const c = parseConfig([
    '--namespaces=a,b,a',
    '--leader-elect',
    '--leader-election-namespace',
    'ops',
    '--metrics-bind-address=0',
    '--health-probe-bind-address=127.0.0.9:9000',
    '--max-concurrent-reconciles=8',
  ]);
  assert.deepEqual(c.namespaces, ['a', 'b']);
  assert.equal(c.leaderElect, true);
  assert.equal(c.leaderElectionNamespace, 'ops');
  assert.equal(c.metricsBindAddress, undefined);
  assert.deepEqual(c.healthProbeBindAddress, { host: '127.0.0.9', port: 9000 });
  assert.equal(c.maxConcurrentReconciles, 8);
});

test('every flag also reads MODELSHIP_<FLAG> from the environment', (t) => {
  const vars = { MODELSHIP_NAMESPACES: 'ml', MODELSHIP_LEADER_ELECT: 'false', MODELSHIP_RUNTIME_IMAGE: 'r:1', MODELSHIP_LOG_LEVEL: 'debug' };
  Object.assign(process.env, vars);
  t.after(() => {
    for (const k of Object.keys(vars)) delete process.env[k];
  });
  const c = parseConfig([]);
  assert.deepEqual(c.namespaces, ['ml']);
  assert.equal(c.leaderElect, false);
  assert.equal(c.runtimeImage, 'r:1');
  assert.equal(c.logLevel, 'debug');
});

test('"all" anywhere in the namespace list means all namespaces', () => {
  assert.deepEqual(parseNamespaces('a,all'), []);
});

test('bind addresses accept :port, host:port and [ipv6]:port', () => {
  assert.deepEqual(parseBindAddress(':1'), { host: undefined, port: 1 });
  assert.deepEqual(parseBindAddress('[::1]:2'), { host: '::1', port: 2 });
  assert.throws(() => parseBindAddress('8080'), /host:port/);
});

test('a bad number of workers is refused', () => {
  assert.throws(() => parseConfig(['--max-concurrent-reconciles=0']), /at least 1/);
});
