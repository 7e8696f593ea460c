import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PodIpAllocator } from './pod-ips.ts';

test('pod IPs come from the range and are unique', () => {
  const ips = new PodIpAllocator('10.207.0.2', '10.207.255.254');
  assert.equal(ips.allocate(), '10.207.0.2');
  assert.equal(ips.allocate(), '10.207.0.3');
});

test('a freed address is reused only after the rest of the range', () => {
  const ips = new PodIpAllocator('10.207.0.2', '10.207.0.4');
  const first = ips.allocate();
  ips.release(first);
  assert.equal(ips.allocate(), '10.207.0.3');
  assert.equal(ips.allocate(), '10.207.0.4');
  assert.equal(ips.allocate(), first);
});

test('addresses ending in .0 and .255 are skipped', () => {
  const ips = new PodIpAllocator('10.207.0.2', '10.207.255.254');
  let last = '';
  for (let i = 0; i < 260; i++) last = ips.allocate();
  assert.equal(last, '10.207.1.7');
});

test('a full range says so', () => {
  const ips = new PodIpAllocator('10.207.0.2', '10.207.0.3');
  ips.allocate();
  ips.allocate();
  assert.throws(() => ips.allocate(), /no free pod IP left in 10.207.0.2-10.207.0.3/);
});
