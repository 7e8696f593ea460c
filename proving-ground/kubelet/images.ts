import { isSimulatedImage, SIMULATED_REGISTRY } from '../images/store.ts';
import type { ImageStore, StoredImage } from '../images/store.ts';

/** How the local kubelet runs a container's image. */
export type ImagePlan =
  | { kind: 'image'; image: StoredImage }
  /** Under the reserved registry: reported Running/Ready without running anything, as kwok does. */
  | { kind: 'simulated' };

/**
 * The image is not in the local store. The proving ground pulls from no registry, so this is the kubelet's
 * ErrImagePull; the pod shows it, then ImagePullBackOff, and the kubelet tries again after the back-off.
 */
export class ImagePullError extends Error {
  override name = 'ImagePullError';
}

export async function planImage(store: ImageStore, image: string): Promise<ImagePlan> {
  if (isSimulatedImage(image)) return { kind: 'simulated' };
  const stored = await store.lookup(image);
  if (stored) return { kind: 'image', image: stored };
  throw new ImagePullError(
    `failed to pull image "${image}": not in the proving ground's local image store (${store.root}), and the ` +
      `proving ground pulls from no registry. Build the project's images with \`npm run images\`, or name an ` +
      `image under ${SIMULATED_REGISTRY}/ for a container that is only simulated`,
  );
}
