import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentWrites } from './recent-writes.ts';

const obj = (rv: string, uid = 'u') => ({ metadata: { name: 'x', uid, resourceVersion: rv } });

test('a lagging cache is overridden by what we just wrote', () => {
  const r = new RecentWrites();
  r.remember('k', obj('10'), 0);
  assert.equal(r.newest('k', obj('9'), 1)?.metadata.resourceVersion, '10');
  assert.equal(r.newest('k', undefined, 1)?.metadata.resourceVersion, '10');
});

test('the cache wins once it has caught up, and the memo is dropped', () => {
  const r = new RecentWrites();
  r.remember('k', obj('10'), 0);
  assert.equal(r.newest('k', obj('11'), 1)?.metadata.resourceVersion, '11');
  assert.equal(r.newest('k', obj('9'), 2)?.metadata.resourceVersion, '9', 'memo gone');
});

test('a memo expires, and never applies to a recreated object', () => {
  const r = new RecentWrites(1000);
  r.remember('k', obj('10'), 0);
  assert.equal(r.newest('k', obj('9'), 2000)?.metadata.resourceVersion, '9');
  r.remember('k', obj('10'), 0);
  assert.equal(r.newest('k', obj('9', 'other'), 1)?.metadata.uid, 'other');
});

test('a memo is dropped as soon as the cache observes our write', () => {
  const r = new RecentWrites();
  r.remember('k', obj('10'), 0);
  r.observed('k', obj('9'));
  assert.equal(r.size, 1);
  r.observed('k', obj('10'));
  assert.equal(r.size, 0);
});

test('what is remembered carries no managedFields', () => {
  const r = new RecentWrites();
  r.remember('k', { metadata: { name: 'x', resourceVersion: '5', managedFields: [{}] } } as never, 0);
  assert.equal('managedFields' in (r.newest('k', undefined, 1)?.metadata ?? {}), false);
});
