import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { observeRevisions, revisionFailure } from './observe.ts';
import { NUMBER_ANNOTATION, TEMPLATE_ANNOTATION, formatTemplate } from '../builders/revision.ts';
import type { RevisionTemplate } from '../builders/revision.ts';

const template: RevisionTemplate = { model: { name: 'm', version: '2', uri: 'file:///m.onnx' }, runtime: { image: 'img' } };

function deployment(hash: string, replicas: number, ready: number): V1Deployment {
  return {
    metadata: { name: `m-${hash}`, labels: { 'modelship.io/revision': hash, 'modelship.io/version': '2' }, annotations: { [TEMPLATE_ANNOTATION]: formatTemplate(template), [NUMBER_ANNOTATION]: '7' } },
    spec: { replicas, selector: {}, template: { metadata: { labels: { 'modelship.io/revision': hash } } } },
    status: { replicas, readyReplicas: ready },
  };
}

function pod(hash: string, status: V1Pod['status'], deleting = false): V1Pod {
  return { metadata: { name: `m-${hash}-abc`, labels: { 'modelship.io/revision': hash }, ...(deleting ? { deletionTimestamp: new Date() } : {}) }, status };
}

describe('observeRevisions', () => {
  test('reads size, readiness, number and template of each revision\'s Deployment', () => {
    const [o] = observeRevisions([deployment('h1', 3, 2)], []);
    assert.deepEqual(o, { hash: 'h1', name: 'm-h1', number: 7, template, version: '2', replicas: 3, currentReplicas: 3, readyReplicas: 2 });
  });

  test('attaches a failure seen in the revision\'s pods', () => {
    const failing = pod('h1', { initContainerStatuses: [{ name: 'fetch-model', ready: false, restartCount: 1, image: 'i', imageID: '', lastState: { terminated: { exitCode: 1, message: 'fetch: failed: checksum mismatch: expected sha256 aa, got bb' } } }] });
    const [o] = observeRevisions([deployment('h1', 1, 0)], [failing, pod('h2', {})]);
    assert.equal(o?.failure?.reason, 'ChecksumMismatch');
  });
});

describe('revisionFailure', () => {
  test('reports a failed model fetch at once', () => {
    const f = revisionFailure([pod('h', { initContainerStatuses: [{ name: 'fetch-model', ready: false, restartCount: 0, image: 'i', imageID: '', state: { terminated: { exitCode: 1, message: 'line one\nfetch: failed: 404 Not Found\n' } } }] })]);
    assert.equal(f?.reason, 'FetchFailed');
    assert.match(f?.message ?? '', /init container fetch-model exited with code 1: line one \| fetch: failed: 404 Not Found/);
  });

  test('reports a runtime that keeps crashing, not one that restarted once', () => {
    const crashed = (restartCount: number) =>
      pod('h', { containerStatuses: [{ name: 'runtime', ready: false, restartCount, image: 'i', imageID: '', lastState: { terminated: { exitCode: 2, message: 'modelship-runtime: cannot load model: protobuf parsing failed' } } }] });
    assert.equal(revisionFailure([crashed(1)]), undefined);
    const f = revisionFailure([crashed(2)]);
    assert.equal(f?.reason, 'CrashLoopBackOff');
    assert.match(f?.message ?? '', /protobuf parsing failed/);
  });

  test('ignores pods being deleted and clean exits', () => {
    const stopped = pod('h', { containerStatuses: [{ name: 'runtime', ready: false, restartCount: 3, image: 'i', imageID: '', lastState: { terminated: { exitCode: 0 } } }] });
    assert.equal(revisionFailure([stopped]), undefined);
    const deleting = pod('h', { initContainerStatuses: [{ name: 'fetch-model', ready: false, restartCount: 0, image: 'i', imageID: '', state: { terminated: { exitCode: 143 } } }] }, true);
    assert.equal(observeRevisions([deployment('h', 0, 0)], [deleting])[0]?.failure, undefined);
  });
});
