import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The last `maxLines` lines of a file (reading at most its last `maxBytes`), or '' if unreadable. */
export function tailFile(path: string, maxLines = 20, maxBytes = 16 * 1024): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    if (length < size) lines.shift(); // the first line is probably cut
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-maxLines).join('\n');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** "last lines of <path>:\n<indented lines>", for error messages. */
export function quoteLogTail(path: string, maxLines = 15): string {
  const tail = tailFile(path, maxLines);
  if (!tail) return `(log ${path} is empty)`;
  return `last lines of ${path}:\n${tail
    .split('\n')
    .map((line) => `  | ${line}`)
    .join('\n')}`;
}
