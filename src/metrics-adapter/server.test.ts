// The adapter's HTTPS server with real TLS: client certificates from a front-proxy CA made here (the proving
// ground's certificate issuer), the requestheader settings from a stand-in for the ConfigMap read.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { issueCertificate } from '../../proving-ground/pki/certificate.ts';
import type { IssuedCertificate } from '../../proving-ground/pki/certificate.ts';
import type { KubeClient } from '../kube/client.ts';
import { startAdapterServer } from './server.ts';
import type { Server } from 'node:https';

const servingCa = issueCertificate({ subject: { commonName: 'adapter-ca' }, isCertificateAuthority: true });
const serving = issueCertificate({ subject: { commonName: 'adapter' }, issuer: servingCa, serverAuth: true, alternativeNames: ['127.0.0.1'] });
const frontProxyCa = issueCertificate({ subject: { commonName: 'front-proxy-ca' }, isCertificateAuthority: true });
const client = (cn: string, issuer: IssuedCertificate = frontProxyCa) => issueCertificate({ subject: { commonName: cn }, issuer, clientAuth: true });
const otherCa = issueCertificate({ subject: { commonName: 'someone-elses-ca' }, isCertificateAuthority: true });

const kube = {
  get: async () => ({
    data: {
      'requestheader-client-ca-file': frontProxyCa.certificatePem,
      'requestheader-allowed-names': '["front-proxy-client"]',
      'requestheader-username-headers': '["X-Remote-User"]',
    },
  }),
} as unknown as KubeClient;

let server: Server;
let port = 0;

before(async () => {
  const source = { values: async () => [] };
  server = await startAdapterServer(
    { client: kube, log: pino({ level: 'silent' }), source, metrics: ['modelship_inflight_requests'], certPem: serving.certificatePem, keyPem: serving.privateKeyPem },
    '127.0.0.1',
    0,
  );
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

function get(path: string, as?: IssuedCertificate): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: '127.0.0.1',
        port,
        path,
        ca: servingCa.certificatePem,
        headers: { 'X-Remote-User': 'system:serviceaccount:kube-system:horizontal-pod-autoscaler' },
        ...(as ? { cert: as.certificatePem, key: as.privateKeyPem } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      },
    );
    call.on('error', reject);
    call.end();
  });
}

const DISCOVERY = '/apis/custom.metrics.k8s.io/v1beta2';

test('the front proxy with an allowed name gets the discovery document', async () => {
  const res = await get(DISCOVERY, client('front-proxy-client'));
  assert.equal(res.code, 200, res.body);
  assert.match(res.body, /"kind":"APIResourceList"/);
});

test('no certificate, another CA\'s certificate or a name not allowed: 401 Status', async () => {
  for (const [who, as, why] of [
    ['no certificate', undefined, /no client certificate signed by the requestheader client CA/],
    ['another CA', client('front-proxy-client', otherCa), /no client certificate signed by the requestheader client CA/],
    ['a name not allowed', client('intruder'), /common name \\"intruder\\" is not among requestheader-allowed-names/],
  ] as const) {
    const res = await get(DISCOVERY, as);
    assert.equal(res.code, 401, `${who}: ${res.body}`);
    assert.match(res.body, why, who);
    assert.match(res.body, /"kind":"Status"/, who);
  }
});

test('the kubelet\'s probes need no certificate', async () => {
  assert.deepEqual(await get('/readyz'), { code: 200, body: 'ok' });
});
