import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { test } from 'node:test';
import { kubeClientFor } from './kubeconfig.ts';
import { issueCertificate } from './pki/certificate.ts';
import { USERS } from './pki/cluster-pki.ts';

test("src/kube's client built from the kubelet's certificate presents it: the server sees user modelship:local-kubelet", async () => {
  const ca = issueCertificate({ subject: { commonName: 'test-ca' }, isCertificateAuthority: true });
  const serving = issueCertificate({ subject: { commonName: 'apiserver' }, issuer: ca, serverAuth: true, alternativeNames: ['127.0.0.1'] });
  const kubelet = issueCertificate({ subject: { commonName: USERS.kubelet.commonName, organizations: [...USERS.kubelet.organizations] }, issuer: ca, clientAuth: true });
  // Like the API server: only clients with a certificate from the cluster CA get an answer.
  const server = createServer(
    { cert: serving.certificatePem, key: serving.privateKeyPem, ca: ca.certificatePem, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ user: peer.subject?.CN, agent: req.headers['user-agent'] }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as { port: number };
    const client = kubeClientFor(`https://127.0.0.1:${port}`, ca.certificatePem, kubelet, 'modelship-local-kubelet');
    assert.deepEqual(await client.get('/whoami'), { user: 'modelship:local-kubelet', agent: 'modelship-local-kubelet' });
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
