import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readControls } from './controls.ts';

test('reads every control annotation', () => {
  const c = readControls({
    'modelship.io/promote': 'full',
    'modelship.io/abort': '2026-01-01T00:00:00Z',
    'modelship.io/retry': 'x',
    'modelship.io/paused': 'true',
    'modelship.io/undo': ' 3 ',
    unrelated: 'y',
  });
  assert.deepEqual(c, { promote: 'full', abort: true, retry: true, paused: true, undo: '3', invalid: [] });
});

test('reads nothing from an object without annotations', () => {
  assert.deepEqual(readControls(undefined), { abort: false, retry: false, paused: false, invalid: [] });
});

test('takes promote=step in any case, and an empty promote as one step', () => {
  assert.equal(readControls({ 'modelship.io/promote': 'Step' }).promote, 'step');
  assert.equal(readControls({ 'modelship.io/promote': '' }).promote, 'step');
});

test('paused means "true" only', () => {
  assert.equal(readControls({ 'modelship.io/paused': 'false' }).paused, false);
});

test('flags values it cannot use', () => {
  const c = readControls({ 'modelship.io/promote': 'half', 'modelship.io/undo': '' });
  assert.equal(c.promote, undefined);
  assert.deepEqual(c.invalid.map((i) => i.key), ['modelship.io/promote', 'modelship.io/undo']);
});
