import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { claimAddressBlock } from './address-block.ts';
import { PodIpAllocator } from './pod-ips.ts';

test('pod IPs come from the cluster block and are unique', () => {
  const ips = new PodIpAllocator(7);
  assert.equal(ips.allocate(), '127.7.0.2');
  assert.equal(ips.allocate(), '127.7.0.3');
});

test('freed addresses are reused, lowest first', () => {
  const ips = new PodIpAllocator(7);
  const first = ips.allocate();
  ips.allocate();
  ips.release(first);
  assert.equal(ips.allocate(), first);
});

test('addresses ending in .0 and .255 are skipped', () => {
  const ips = new PodIpAllocator(7);
  let last = '';
  for (let i = 0; i < 260; i++) last = ips.allocate();
  assert.equal(last, '127.7.1.7');
});

test('two clusters never share an address block; a dead owner\'s block is taken over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'blocks-'));
  const a = claimAddressBlock(dir);
  const b = claimAddressBlock(dir);
  assert.notEqual(a.block, b.block);
  a.release();
  b.release();
  // Every block held by a process that no longer exists: still claimable.
  for (let block = 1; block <= 254; block++) writeFileSync(join(dir, `127.${block}.lock`), '999999999');
  const c = claimAddressBlock(dir);
  assert.ok(c.block >= 1 && c.block <= 254);
  c.release();
});
