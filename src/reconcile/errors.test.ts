import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../kube/errors.ts';
import { SpecProblem, asSpecProblem, childConflict } from './errors.ts';

test('a refusal no retry can fix becomes a SpecProblem; anything else passes through to be retried', () => {
  const invalid = asSpecProblem(new ApiError(422, 'spec.replicas: Invalid value'), 'Deployment', 'fraud-abc');
  assert.ok(invalid instanceof SpecProblem);
  assert.equal(invalid.reason, 'InvalidChild');
  assert.match(invalid.message, /Deployment fraud-abc: spec.replicas: Invalid value/);
  const unavailable = new ApiError(503, 'try later');
  assert.equal(asSpecProblem(unavailable, 'Deployment', 'fraud-abc'), unavailable);
});

test('a child in the way names who controls it', () => {
  assert.match(childConflict('Service', 'fraud', 'Deployment other').message, /Service fraud already exists and is controlled by Deployment other/);
  assert.match(childConflict('Service', 'fraud', undefined).message, /is not controlled by this ModelDeployment/);
});
