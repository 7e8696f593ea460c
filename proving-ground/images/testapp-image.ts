// Two images derived from the test workload `ghcr.io/modelship/testapp:dev` (built by `npm run images`
// from images/testapp.Dockerfile), for the kubelet's image rules in images.test.ts. Each is what a
// two-line Dockerfile `FROM ghcr.io/modelship/testapp:dev` would make, written straight into the store
// (the same root filesystem, hard-linked, under a new config), so no engine runs for them:
//
//   testapp-with-cmd:dev    + CMD ["--port=8080", "from-image-cmd"]   (ENTRYPOINT/CMD against command/args)
//   testapp-named-user:dev  + USER nobody                              (runAsNonRoot against a user name)
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TESTAPP_IMAGE } from '../testapp-spec.ts';
import { ImageStore } from './store.ts';
import type { ImageConfig } from './store.ts';

export const TESTAPP_WITH_CMD_IMAGE = 'ghcr.io/modelship/testapp-with-cmd:dev';
export const TESTAPP_NAMED_USER_IMAGE = 'ghcr.io/modelship/testapp-named-user:dev';
/** The CMD of TESTAPP_WITH_CMD_IMAGE, so tests can see when the kubelet keeps or drops it. */
export const TESTAPP_IMAGE_CMD = ['--port=8080', 'from-image-cmd'];
/** A user every Debian-based image has (65534), named in TESTAPP_NAMED_USER_IMAGE's USER. */
export const NAMED_USER = 'nobody';

/** Derives both images from the stored testapp image (again when that image changed). */
export async function ensureDerivedTestImages(store: ImageStore = new ImageStore()): Promise<void> {
  const base = await store.lookup(TESTAPP_IMAGE);
  if (!base) throw new Error(`${TESTAPP_IMAGE} is not in the image store ${store.root}; build it with \`npm run images\``);
  const variants: Array<[string, ImageConfig]> = [
    [TESTAPP_WITH_CMD_IMAGE, { ...base.config, Cmd: TESTAPP_IMAGE_CMD }],
    [TESTAPP_NAMED_USER_IMAGE, { ...base.config, User: NAMED_USER }],
  ];
  for (const [reference, config] of variants) {
    const id = createHash('sha256').update(base.id).update(JSON.stringify(config)).digest('hex');
    const existing = await store.lookup(reference);
    const rootfs = join(store.imageDir(id), 'rootfs');
    if (existing?.id === id && existsSync(rootfs)) continue;
    rmSync(store.imageDir(id), { recursive: true, force: true });
    mkdirSync(store.imageDir(id), { recursive: true });
    // Hard links: no copy of the bytes, and the base's directory may be replaced later without harm.
    execFileSync('cp', ['-al', base.rootfs, rootfs]);
    await store.writeConfig(id, config);
    await store.tag(id, [reference]);
  }
}
