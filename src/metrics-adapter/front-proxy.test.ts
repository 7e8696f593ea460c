import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authenticate, requestHeaderConfig } from './front-proxy.ts';

const data = {
  'requestheader-client-ca-file': '-----BEGIN CERTIFICATE-----\n...',
  'requestheader-allowed-names': '["front-proxy-client"]',
  'requestheader-username-headers': '["X-Remote-User"]',
};

test('reads the requestheader settings the API server publishes; none without a client CA', () => {
  assert.deepEqual(requestHeaderConfig(data), { clientCaPem: data['requestheader-client-ca-file'], allowedNames: ['front-proxy-client'], usernameHeaders: ['X-Remote-User'] });
  assert.equal(requestHeaderConfig({ 'client-ca-file': 'x' }), undefined);
  assert.equal(requestHeaderConfig(undefined), undefined);
});

test('trusts the user header only from a verified front-proxy certificate with an allowed name', () => {
  const config = requestHeaderConfig(data)!;
  const headers = { 'x-remote-user': 'system:serviceaccount:kube-system:horizontal-pod-autoscaler' };
  assert.deepEqual(authenticate({ verified: true, commonName: 'front-proxy-client' }, headers, config), { user: headers['x-remote-user'] });
  assert.match((authenticate({ verified: false, commonName: 'front-proxy-client' }, headers, config) as { refused: string }).refused, /requestheader client CA/);
  assert.match((authenticate({ verified: true, commonName: 'someone' }, headers, config) as { refused: string }).refused, /"someone" is not among requestheader-allowed-names/);
  assert.match((authenticate({ verified: true, commonName: 'front-proxy-client' }, {}, config) as { refused: string }).refused, /no user in X-Remote-User/);
});

test('with no allowed names, any certificate the CA signed will do', () => {
  const config = requestHeaderConfig({ ...data, 'requestheader-allowed-names': '[]' })!;
  assert.deepEqual(authenticate({ verified: true, commonName: 'anyone' }, { 'x-remote-user': 'u' }, config), { user: 'u' });
});
