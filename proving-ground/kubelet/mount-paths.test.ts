import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MountTable } from './mount-paths.ts';

const table = new MountTable([
  { mountPath: '/data', hostPath: '/host/pod/volumes/data' },
  { mountPath: '/data/models/', hostPath: '/host/pvc/models' },
]);

test('a path under a mount is rewritten to the host directory, longest mount first', () => {
  assert.equal(table.rewrite('/data/x.txt'), '/host/pod/volumes/data/x.txt');
  assert.equal(table.rewrite('/data/models/m.onnx'), '/host/pvc/models/m.onnx');
  assert.equal(table.rewrite('/data'), '/host/pod/volumes/data');
});

test('a --flag=/path value is rewritten too', () => {
  assert.equal(table.rewrite('--model=/data/models/m.onnx'), '--model=/host/pvc/models/m.onnx');
});

test('look-alike prefixes and unrelated values are left alone', () => {
  assert.equal(table.rewrite('/database/x'), '/database/x');
  assert.equal(table.rewrite('serve'), 'serve');
  assert.equal(table.rewrite('--name=/other'), '--name=/other');
});

test('file:// URIs under a mount are rewritten, bare or in a flag', () => {
  assert.equal(table.rewrite('file:///data/models/m.onnx'), 'file:///host/pvc/models/m.onnx');
  assert.equal(table.rewrite('--uri=file:///data/x'), '--uri=file:///host/pod/volumes/data/x');
  assert.equal(table.rewrite('https://example.com/data/x'), 'https://example.com/data/x');
});

test('paths under a shared host directory stay host paths even below a mountPath such as /tmp', () => {
  const shared = new MountTable([{ mountPath: '/tmp', hostPath: '/c/pods/p/tmp' }], ['/tmp/checkout', '/tmp/cluster/']);
  assert.equal(shared.rewrite('file:///tmp/checkout/runtime/fixtures/m.onnx'), 'file:///tmp/checkout/runtime/fixtures/m.onnx');
  assert.equal(shared.rewrite('--uri=/tmp/cluster/models/v3.onnx'), '--uri=/tmp/cluster/models/v3.onnx');
  assert.equal(shared.rewrite('/tmp/checkout'), '/tmp/checkout');
  assert.equal(shared.rewrite('/tmp/checkout-other/x'), '/c/pods/p/tmp/checkout-other/x');
  assert.equal(shared.rewrite('/tmp/scratch'), '/c/pods/p/tmp/scratch');
});
