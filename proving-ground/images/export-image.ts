// Copies a built image out of the engine into the proving ground's image store (store.ts): its root
// filesystem unpacked, its config, and its references. An image id the store already has is only tagged.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCommand } from './command.ts';
import { createContainerCommand, removeContainerCommands, rootfsCommand } from './engine.ts';
import type { Engine, InspectedImage } from './engine.ts';
import type { ImageStore } from './store.ts';

/** Exports `image` (already inspected) under `references`; returns false when the store already had it. */
export async function exportToStore(engine: Engine, store: ImageStore, image: InspectedImage, references: string[]): Promise<boolean> {
  const dir = store.imageDir(image.id);
  const rootfs = join(dir, 'rootfs');
  const fresh = !existsSync(rootfs);
  if (fresh) {
    const partial = `${rootfs}.partial-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    try {
      await copyRootfs(engine, references[0] ?? image.id, partial);
      await rename(partial, rootfs).catch((error: NodeJS.ErrnoException) => {
        // Another `npm run images` exported the same image id meanwhile: its copy is as good as ours.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
  }
  await store.writeConfig(image.id, image.config);
  await store.tag(image.id, references);
  return fresh;
}

async function copyRootfs(engine: Engine, reference: string, target: string): Promise<void> {
  const container = (await runCommand(createContainerCommand(engine, reference))).trim().split('\n').pop() ?? '';
  try {
    const { argv, gives } = rootfsCommand(engine, container);
    if (gives === 'mountpoint') {
      const mountpoint = (await runCommand(argv)).trim();
      // -a keeps owners, modes, links and times: the kubelet runs the files as the image says.
      await runCommand(['cp', '-a', `${mountpoint}/.`, target]);
    } else {
      const pipe = new PassThrough();
      await Promise.all([
        runCommand(argv, { stdout: pipe }),
        runCommand(['tar', '-x', '--numeric-owner', '--same-owner', '-p', '-C', target], { stdin: pipe }),
      ]);
    }
  } finally {
    for (const command of removeContainerCommands(engine, container)) await runCommand(command).catch(() => undefined);
  }
}
