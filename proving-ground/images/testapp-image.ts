// The proving ground's own test image, `ghcr.io/modelship/testapp:dev`: testapp.ts on the Node binary
// that runs the tests, with the shared libraries it links, in the smallest root filesystem that runs it
// (a distroless-style image). Assembled straight into the image store in a second, with no engine and no
// network: it is a fixture of the proving ground, not a product image (those come from the Dockerfiles
// through `npm run images`).
//
// Two references: the image as tests use it (numeric USER 65532), and a variant whose USER is the name
// "app", for the runAsNonRoot check a real kubelet makes.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImageStore } from './store.ts';
import type { ImageConfig } from './store.ts';

export const TESTAPP_IMAGE = 'ghcr.io/modelship/testapp:dev';
export const TESTAPP_NAMED_USER_IMAGE = 'ghcr.io/modelship/testapp-named-user:dev';
/** The CMD of the testapp image, so tests can see when the kubelet keeps or drops it. */
export const TESTAPP_IMAGE_CMD = ['--port=8080', 'from-image-cmd'];
export const TESTAPP_UID = 65532;

const TESTAPP_SOURCE = fileURLToPath(new URL('../testapp.ts', import.meta.url));

function testappConfig(user: string): ImageConfig {
  return {
    Entrypoint: ['/usr/local/bin/node', '/app/testapp.ts'],
    Cmd: TESTAPP_IMAGE_CMD,
    Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'TESTAPP_FROM_IMAGE=yes', 'NODE_ENV=production'],
    WorkingDir: '/app',
    User: user,
    Labels: { 'org.opencontainers.image.title': 'modelship-testapp' },
    ExposedPorts: { '8080/tcp': {} },
  };
}

/** Makes sure both testapp references are in the store (rebuilt when testapp.ts or Node changed). */
export async function ensureTestappImages(store: ImageStore = new ImageStore()): Promise<void> {
  const node = process.execPath;
  const nodeStat = statSync(node);
  const source = readFileSync(TESTAPP_SOURCE);
  const variants: Array<[string, ImageConfig]> = [
    [TESTAPP_IMAGE, testappConfig(`${TESTAPP_UID}:${TESTAPP_UID}`)],
    [TESTAPP_NAMED_USER_IMAGE, testappConfig('app')],
  ];
  let firstRootfs: string | undefined;
  for (const [reference, config] of variants) {
    const id = createHash('sha256')
      .update(JSON.stringify(config))
      .update(source)
      .update(`${process.version} ${nodeStat.size} ${nodeStat.mtimeMs}`)
      .digest('hex');
    const rootfs = join(store.imageDir(id), 'rootfs');
    const existing = await store.lookup(reference);
    if (existing?.id === id && existsSync(join(rootfs, 'app', 'testapp.ts'))) {
      firstRootfs ??= rootfs;
      continue;
    }
    rmSync(store.imageDir(id), { recursive: true, force: true });
    mkdirSync(store.imageDir(id), { recursive: true });
    if (firstRootfs) execFileSync('cp', ['-al', firstRootfs, rootfs]);
    else assembleRootfs(rootfs, node, source);
    firstRootfs ??= rootfs;
    await store.writeConfig(id, config);
    await store.tag(id, [reference]);
  }
}

function assembleRootfs(rootfs: string, node: string, source: Buffer): void {
  const put = (path: string, content: string | Buffer, mode = 0o644): void => {
    const target = join(rootfs, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content, { mode });
  };
  const copyIn = (hostPath: string, path: string): void => {
    const target = join(rootfs, path);
    mkdirSync(dirname(target), { recursive: true });
    try {
      linkSync(realpathSync(hostPath), target);
    } catch {
      copyFileSync(realpathSync(hostPath), target);
    }
  };
  copyIn(node, 'usr/local/bin/node');
  for (const library of sharedLibraries(node)) copyIn(library, library);
  put('app/testapp.ts', source);
  put('etc/passwd', `root:x:0:0:root:/root:/sbin/nologin\napp:x:${TESTAPP_UID}:${TESTAPP_UID}:testapp:/home/app:/sbin/nologin\n`);
  put('etc/group', `root:x:0:\napp:x:${TESTAPP_UID}:\n`);
  for (const dir of ['tmp', 'proc', 'dev', 'home/app']) mkdirSync(join(rootfs, dir), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
}

/** The shared libraries (and the loader) a dynamically linked binary needs, as ldd lists them. */
function sharedLibraries(binary: string): string[] {
  const output = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const paths = new Set<string>();
  for (const line of output.split('\n')) {
    const match = /(\/\S+)\s+\(0x/.exec(line);
    if (match?.[1]) paths.add(match[1]);
  }
  return [...paths];
}
