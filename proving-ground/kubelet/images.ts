import { join } from 'node:path';

/** How the local kubelet runs an image (ADR 0001). */
export type ImagePlan =
  | { kind: 'process'; repository: string; entry: string }
  /** Not ours: reported Running/Ready without running anything, as kwok does. */
  | { kind: 'simulated'; repository: string };

/** Our images, by the end of the repository path, and the repo file each one runs. */
const OUR_IMAGES: Record<string, string> = {
  'modelship/runtime': 'runtime/main.ts',
  'modelship/operator': 'src/main.ts',
  // Used only by the proving ground's own tests.
  'modelship/testapp': 'proving-ground/testapp.ts',
};

/** "ghcr.io/modelship/runtime:0.1.0@sha256:…" → "ghcr.io/modelship/runtime" */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  return lastColon > lastSlash ? withoutDigest.slice(0, lastColon) : withoutDigest;
}

export function planImage(image: string, repoRoot: string): ImagePlan {
  const repository = imageRepository(image);
  for (const [suffix, entry] of Object.entries(OUR_IMAGES)) {
    if (repository === suffix || repository.endsWith(`/${suffix}`)) {
      return { kind: 'process', repository, entry: join(repoRoot, entry) };
    }
  }
  return { kind: 'simulated', repository };
}
