import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Server } from 'node:https';
import { issueCertificate } from '../pki/certificate.ts';
import type { IssuedCertificate } from '../pki/certificate.ts';
import { freePort } from '../lib/ports.ts';
import { APISERVER_KUBELET_CLIENT, METRICS_SERVER_KUBELET_CLIENT, startKubeletServer } from './kubelet-server.ts';

const podDir = mkdtempSync(join(tmpdir(), 'kubelet-server-'));
const ca = issueCertificate({ subject: { commonName: 'test-ca' }, isCertificateAuthority: true });
const serving = issueCertificate({ subject: { commonName: 'kubelet' }, issuer: ca, serverAuth: true, alternativeNames: ['127.0.0.1'] });
const apiserver = issueCertificate({ subject: { commonName: APISERVER_KUBELET_CLIENT }, issuer: ca, clientAuth: true });
const metricsServer = issueCertificate({ subject: { commonName: METRICS_SERVER_KUBELET_CLIENT }, issuer: ca, clientAuth: true });
const stranger = issueCertificate({ subject: { commonName: 'someone-else' }, issuer: ca, clientAuth: true });
let server: Server;
let port: number;

before(async () => {
  mkdirSync(join(podDir, 'logs', 'app'), { recursive: true });
  writeFileSync(join(podDir, 'logs', 'app', '0.log'), 'first run\n');
  writeFileSync(join(podDir, 'logs', 'app', '1.log'), 'one\ntwo\nthree\n');
  port = await freePort();
  server = await startKubeletServer({
    port,
    address: '127.0.0.1',
    certificatePem: serving.certificatePem,
    privateKeyPem: serving.privateKeyPem,
    clientCaPem: ca.certificatePem,
    logs: {
      podDirectory: (namespace, pod) => (namespace === 'ns' && pod === 'p' ? podDir : undefined),
      containerNames: (namespace, pod) => (namespace === 'ns' && pod === 'p' ? ['app', 'idle'] : undefined),
      isRunning: () => false,
    },
    resourceMetrics: () => 'resource_scrape_error 0\n',
  });
});
after(() => {
  server.close();
  rmSync(podDir, { recursive: true, force: true });
});

function get(path: string, client: IssuedCertificate = apiserver): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const call = request({ host: '127.0.0.1', port, path, ca: ca.certificatePem, cert: client.certificatePem, key: client.privateKeyPem }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    call.on('error', reject);
    call.end();
  });
}

test('the current run, its last lines, and the previous run', async () => {
  assert.deepEqual(await get('/containerLogs/ns/p/app'), { status: 200, body: 'one\ntwo\nthree\n' });
  assert.deepEqual(await get('/containerLogs/ns/p/app?tailLines=2'), { status: 200, body: 'two\nthree\n' });
  assert.deepEqual(await get('/containerLogs/ns/p/app?tailLines=0'), { status: 200, body: '' });
  assert.deepEqual(await get('/containerLogs/ns/p/app?previous=true'), { status: 200, body: 'first run\n' });
  assert.deepEqual(await get('/containerLogs/ns/p/app?limitBytes=5'), { status: 200, body: 'one\nt' });
});

test('unknown pods and containers, and containers that never ran, say so', async () => {
  assert.equal((await get('/containerLogs/ns/other/app')).status, 404);
  assert.deepEqual(await get('/containerLogs/ns/p/nope'), { status: 400, body: 'container nope is not valid for pod p' });
  assert.deepEqual(await get('/containerLogs/ns/p/idle'), { status: 400, body: 'container "idle" in pod "p" is waiting to start: ContainerCreating' });
});

test('only the API server\'s kubelet client certificate is served', async () => {
  const refused = await get('/containerLogs/ns/p/app', stranger);
  assert.equal(refused.status, 403);
  assert.match(refused.body, /user=someone-else/);
});

test('resource metrics: served to metrics-server and the API server; metrics-server gets nothing else', async () => {
  const metrics = await get('/metrics/resource', metricsServer);
  assert.deepEqual(metrics, { status: 200, body: 'resource_scrape_error 0\n' });
  assert.equal((await get('/metrics/resource')).status, 200);
  assert.equal((await get('/containerLogs/ns/p/app', metricsServer)).status, 403);
  const refused = await get('/metrics/resource', stranger);
  assert.equal(refused.status, 403);
  assert.match(refused.body, /subresource=metrics/);
});

function upgrade(path: string, client: IssuedCertificate = apiserver): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const call = request({
      host: '127.0.0.1',
      port,
      path,
      method: 'POST',
      ca: ca.certificatePem,
      cert: client.certificatePem,
      key: client.privateKeyPem,
      headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io' },
    });
    call.on('upgrade', () => reject(new Error('upgraded unexpectedly')));
    call.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    call.on('error', reject);
    call.end();
  });
}

test('streaming upgrades: only for the API server, only for a pod running here, answered with a Status', async () => {
  const refused = await upgrade('/portForward/ns/p', stranger);
  assert.equal(refused.status, 403);
  assert.match((JSON.parse(refused.body) as { message: string }).message, /user=someone-else/);
  const unknown = await upgrade('/portForward/ns/p');
  assert.equal(unknown.status, 404);
  assert.equal((JSON.parse(unknown.body) as { message: string }).message, 'pod ns/p is not running on this node');
  assert.equal((await upgrade('/attach/ns/p/app')).status, 501);
});
