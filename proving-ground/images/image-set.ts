// The images `npm run images` builds, and how each is named. Pure.
import { TESTAPP_IMAGE } from '../testapp-spec.ts';

export interface ImageDefinition {
  name: string;
  /** Relative to the repository root, which is every image's build context. */
  dockerfile: string;
  repository: string;
}

export const IMAGES: readonly ImageDefinition[] = [
  { name: 'operator', dockerfile: 'Dockerfile', repository: 'ghcr.io/modelship/operator' },
  { name: 'runtime', dockerfile: 'runtime/Dockerfile', repository: 'ghcr.io/modelship/runtime' },
  { name: 'testapp', dockerfile: 'proving-ground/images/testapp.Dockerfile', repository: repositoryOf(TESTAPP_IMAGE) },
];

/** Product images carry the package version (the operator's default runtime image follows it); the test workload its fixed tag. */
export function imageReference(image: ImageDefinition, packageVersion: string): string {
  if (image.name === 'testapp') return TESTAPP_IMAGE;
  return `${image.repository}:${packageVersion}`;
}

function repositoryOf(reference: string): string {
  const lastSlash = reference.lastIndexOf('/');
  const lastColon = reference.lastIndexOf(':');
  return lastColon > lastSlash ? reference.slice(0, lastColon) : reference;
}

/** Selects images by name (all when none are named); an unknown name is an error. */
export function selectImages(names: string[]): ImageDefinition[] {
  if (names.length === 0) return [...IMAGES];
  const unknown = names.filter((name) => !IMAGES.some((image) => image.name === name));
  if (unknown.length > 0) throw new Error(`unknown image ${unknown.join(', ')}; known: ${IMAGES.map((i) => i.name).join(', ')}`);
  return IMAGES.filter((image) => names.includes(image.name));
}

export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
