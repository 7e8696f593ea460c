import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32, deflateRawSync } from 'node:zlib';
import { readZipEntry } from './zip.ts';

/** A minimal zip writer, just for the test. */
function zip(entries: Array<{ name: string; content: Buffer; deflate: boolean }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = entry.deflate ? deflateRawSync(entry.content) : entry.content;
    const name = Buffer.from(entry.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(entry.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(entry.content), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(entry.content.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(entry.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc32(entry.content), 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(entry.content.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

test('stored and deflated entries read back intact', () => {
  const big = Buffer.from('kubectl '.repeat(10_000));
  const path = join(mkdtempSync(join(tmpdir(), 'zip-test-')), 'layer.zip');
  writeFileSync(
    path,
    zip([
      { name: 'helm/', content: Buffer.alloc(0), deflate: false },
      { name: 'helm/helm', content: Buffer.from('#!helm'), deflate: false },
      { name: 'kubectl/kubectl', content: big, deflate: true },
    ]),
  );
  assert.equal(readZipEntry(path, 'helm/helm').toString(), '#!helm');
  assert.ok(readZipEntry(path, 'kubectl/kubectl').equals(big));
  assert.throws(() => readZipEntry(path, 'nope'), /no entry nope/);
});
