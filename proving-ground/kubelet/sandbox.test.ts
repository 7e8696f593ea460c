import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkExecutable, resolveInImage, sandboxScript, shellQuote } from './sandbox.ts';

const rootfs = mkdtempSync(join(tmpdir(), 'sandbox-rootfs-'));
after(() => rmSync(rootfs, { recursive: true, force: true }));
mkdirSync(join(rootfs, 'run'));
mkdirSync(join(rootfs, 'var'));
mkdirSync(join(rootfs, 'usr', 'bin'), { recursive: true });
symlinkSync('/run', join(rootfs, 'var', 'run'));
symlinkSync('../../etc', join(rootfs, 'usr', 'bin', 'up'));
writeFileSync(join(rootfs, 'usr', 'bin', 'app'), '');

test('symlinks in the image resolve inside the image, never on the host', () => {
  assert.equal(resolveInImage(rootfs, '/var/run/secrets/token'), '/run/secrets/token');
  assert.equal(resolveInImage(rootfs, '/usr/bin/up/../../x'), '/x');
  assert.equal(resolveInImage(rootfs, '/../../etc/passwd'), '/etc/passwd');
  assert.equal(resolveInImage(rootfs, '/not/there'), '/not/there');
});

test('a program the image lacks is refused with runc\'s words', () => {
  checkExecutable(rootfs, '/usr/bin/app', '');
  checkExecutable(rootfs, 'app', '/bin:/usr/bin');
  assert.throws(() => checkExecutable(rootfs, '/bin/nope', '/usr/bin'), /exec: "\/bin\/nope": stat \/bin\/nope: no such file or directory/);
  assert.throws(() => checkExecutable(rootfs, 'nope', '/usr/bin'), /exec: "nope": executable file not found in \$PATH/);
});

test('words are quoted for sh, quotes included', () => {
  assert.equal(shellQuote("it's $HOME"), `'it'\\''s $HOME'`);
});

test('the start script mounts volumes at resolved paths, read-only where asked, and execs as the user', () => {
  const script = sandboxScript({
    imageRootfs: rootfs,
    containerDir: '/c',
    mounts: [{ source: '/pod/volumes/token', target: '/var/run/secrets', readOnly: true, isFile: false }],
    etcFiles: { hosts: '/pod/hosts', resolvConf: '/pod/resolv.conf', hostname: '/pod/hostname' },
    readOnlyRootFilesystem: true,
    uid: 65532,
    gid: 65533,
    workingDir: '/app',
    argv: ['/usr/bin/app', '--name=$(not expanded here)'],
  });
  assert.match(script, /mount --bind '\/pod\/volumes\/token' '\/c\/rootfs\/run\/secrets'\n.*mount -o remount,bind,ro '\/c\/rootfs\/run\/secrets'/);
  assert.match(script, /mount -o remount,bind,ro '\/c\/rootfs'\n/);
  assert.match(script, /exec \S*unshare '--root=\/c\/rootfs' '--wd=\/app' --setuid=65532 --setgid=65533 -- '\/usr\/bin\/app' '--name=\$\(not expanded here\)'\n$/);
});
