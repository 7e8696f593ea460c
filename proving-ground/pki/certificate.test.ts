import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { issueCertificate } from './certificate.ts';

test('a CA signs a server certificate with IP and DNS names that verifies', () => {
  const ca = issueCertificate({ subject: { commonName: 'test-ca' }, isCertificateAuthority: true });
  const server = issueCertificate({
    subject: { commonName: 'kube-apiserver' },
    issuer: ca,
    serverAuth: true,
    alternativeNames: ['127.0.0.1', 'localhost', 'kubernetes.default.svc', '10.96.0.1', '::1'],
  });
  const caCert = new X509Certificate(ca.certificatePem);
  const cert = new X509Certificate(server.certificatePem);
  assert.ok(caCert.ca);
  assert.ok(!cert.ca);
  assert.ok(cert.checkIssued(caCert));
  assert.ok(cert.verify(caCert.publicKey));
  assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(cert.checkIP('10.96.0.1'), '10.96.0.1');
  assert.equal(cert.checkIP('::1'), '::1');
  assert.equal(cert.checkHost('kubernetes.default.svc'), 'kubernetes.default.svc');
  assert.equal(cert.checkHost('example.com'), undefined);
});

test('client certificates carry groups as organizations', () => {
  const ca = issueCertificate({ subject: { commonName: 'test-ca' }, isCertificateAuthority: true });
  const admin = issueCertificate({ subject: { commonName: 'admin', organizations: ['system:masters'] }, issuer: ca, clientAuth: true });
  const cert = new X509Certificate(admin.certificatePem);
  assert.match(cert.subject, /O=system:masters/);
  assert.match(cert.subject, /CN=admin/);
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
});
