import { test } from 'node:test';
import assert from 'node:assert/strict';
import { revisionTemplate } from './revision.ts';
import { fetchArgs, serveArgs } from './runtime-args.ts';

const template = revisionTemplate(
  {
    metadata: { name: 'fraud' },
    spec: {
      model: { version: '3', uri: 's3://models/fraud/3.onnx', sha256: 'a'.repeat(64) },
      runtime: { threads: 2, batching: { maxBatchSize: 8, maxQueueDelayMs: 5 }, executionProvider: 'cpu' },
    },
  },
  'img',
);

test('fetch downloads the revision\'s model and checks its sha256', () => {
  assert.deepEqual(fetchArgs(template.model), ['fetch', '--uri', 's3://models/fraud/3.onnx', '--dest', '/mnt/models/model.onnx', '--sha256', 'a'.repeat(64)]);
});

test('serve runs the model under its served name and version with the revision\'s runtime options', () => {
  const args = serveArgs(template);
  const value = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(args[0], 'serve');
  assert.equal(value('--name'), 'fraud', 'the served name defaults to the ModelDeployment\'s name');
  assert.equal(value('--model-version'), '3');
  assert.equal(value('--sha256'), 'a'.repeat(64));
  assert.equal(value('--threads'), '2');
  assert.equal(value('--max-batch-size'), '8');
  assert.equal(value('--max-queue-delay-ms'), '5');
  assert.equal(value('--execution-provider'), 'cpu');
  assert.equal(args.includes('--auth-token-file'), false);
});
