// The proving ground's local image store: what the local kubelet runs, and what `npm run images` fills.
//
// A real node keeps images in its container runtime's store (containerd's content store plus snapshots).
// Ours is a directory, so that any engine that built the images (docker, podman, buildah) can export into
// it and the kubelet can read it with plain file I/O:
//
//   <root>/index.json          {"references": {"ghcr.io/modelship/runtime:0.1.0": "<image id>", …}}
//   <root>/<image id>/config.json   the OCI image config's `config` object (Entrypoint, Cmd, Env,
//                                   WorkingDir, User, Labels, ExposedPorts), as the engine reported it
//   <root>/<image id>/rootfs/       the image's root filesystem, unpacked; never written after export
//                                   (the kubelet lays a writable overlay per container on top)
//
// Image ids are the engine's image id (sha256 hex of the image config), so re-exporting an unchanged image
// is a no-op. References are stored normalised the way containerd normalises them (docker.io/library/…,
// :latest), so a pod may say `modelship/runtime:0.1.0` or `docker.io/modelship/runtime:0.1.0`.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { modelshipCacheDir } from '../lib/build-cache.ts';

/** The parts of an OCI image config the kubelet needs to start a container. */
export interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string> | null;
  ExposedPorts?: Record<string, object> | null;
}

export interface StoredImage {
  id: string;
  reference: string;
  config: ImageConfig;
  rootfs: string;
}

interface StoreIndex {
  references: Record<string, string>;
}

/**
 * Images under this registry are never run: the kubelet reports their containers Running and Ready
 * without starting anything, as kwok does. Benchmarks use it to simulate many pods cheaply.
 */
export const SIMULATED_REGISTRY = 'simulated.modelship.invalid';

export function defaultImageStoreRoot(): string {
  const cache = modelshipCacheDir();
  return process.env.MODELSHIP_IMAGE_STORE || join(cache, 'images');
}

/**
 * Normalises an image reference as containerd does: a first component without '.' or ':' (and not
 * 'localhost') is a Docker Hub repository, single names live under library/, and a missing tag is
 * 'latest'. A digest reference keeps its digest and gets no tag.
 */
export function normaliseReference(image: string): string {
  const [nameAndTag = image, digest] = image.split('@');
  const lastSlash = nameAndTag.lastIndexOf('/');
  const lastColon = nameAndTag.lastIndexOf(':');
  const hasTag = lastColon > lastSlash;
  let name = hasTag ? nameAndTag.slice(0, lastColon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(lastColon + 1) : undefined;
  const first = name.split('/')[0] ?? name;
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
  if (digest !== undefined) return `${name}@${digest}`;
  return `${name}:${tag ?? 'latest'}`;
}

export function isSimulatedImage(image: string): boolean {
  return normaliseReference(image).startsWith(`${SIMULATED_REGISTRY}/`);
}

export class ImageStore {
  readonly root: string;

  constructor(root: string = defaultImageStoreRoot()) {
    this.root = root;
  }

  /** The stored image a pod's `image` names, or undefined when the store does not have it. */
  async lookup(image: string): Promise<StoredImage | undefined> {
    const reference = normaliseReference(image);
    const id = (await this.readIndex()).references[reference];
    if (id === undefined) return undefined;
    const config = JSON.parse(await readFile(join(this.root, id, 'config.json'), 'utf8')) as ImageConfig;
    return { id, reference, config, rootfs: join(this.root, id, 'rootfs') };
  }

  /** Where an exporter unpacks the root filesystem of image `id` before calling `tag`. */
  imageDir(id: string): string {
    return join(this.root, id);
  }

  async writeConfig(id: string, config: ImageConfig): Promise<void> {
    await mkdir(this.imageDir(id), { recursive: true });
    await writeFile(join(this.imageDir(id), 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }

  /** Points each reference at image `id`; atomic, so a kubelet never reads half an index. */
  async tag(id: string, references: string[]): Promise<void> {
    const index = await this.readIndex();
    for (const reference of references) index.references[normaliseReference(reference)] = id;
    await mkdir(this.root, { recursive: true });
    const temporary = join(this.root, `index.json.${process.pid}`);
    await writeFile(temporary, `${JSON.stringify(index, null, 2)}\n`);
    await rename(temporary, join(this.root, 'index.json'));
  }

  private async readIndex(): Promise<StoreIndex> {
    try {
      return JSON.parse(await readFile(join(this.root, 'index.json'), 'utf8')) as StoreIndex;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { references: {} };
      throw err;
    }
  }
}
