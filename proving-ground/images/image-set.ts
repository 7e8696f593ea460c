// The images `npm run images` builds, and how each is named. Pure.
import { METRICS_SERVER_IMAGE } from '../metrics-server/image.ts';
import { TESTAPP_IMAGE } from '../testapp-spec.ts';

export interface ImageDefinition {
  name: string;
  /** Relative to the repository root, which is every image's build context. */
  dockerfile: string;
  repository: string;
  /**
   * Where the build context comes from when it is not the repository: `metrics-server` is the cache
   * directory of the binary build-metrics-server.ts built (nothing fetched is copied into the repository).
   */
  context?: 'metrics-server';
}

export const IMAGES: readonly ImageDefinition[] = [
  { name: 'operator', dockerfile: 'Dockerfile', repository: 'ghcr.io/modelship/operator' },
  { name: 'runtime', dockerfile: 'runtime/Dockerfile', repository: 'ghcr.io/modelship/runtime' },
  { name: 'testapp', dockerfile: 'proving-ground/images/testapp.Dockerfile', repository: repositoryOf(TESTAPP_IMAGE) },
  { name: 'metrics-server', dockerfile: 'proving-ground/metrics-server/Dockerfile', repository: repositoryOf(METRICS_SERVER_IMAGE), context: 'metrics-server' },
];

/** Product images carry the package version (the operator's default runtime image follows it); the proving ground's own, fixed tags. */
export function imageReference(image: ImageDefinition, packageVersion: string): string {
  if (image.name === 'testapp') return TESTAPP_IMAGE;
  if (image.name === 'metrics-server') return METRICS_SERVER_IMAGE;
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
