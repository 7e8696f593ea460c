// What each image's program is made of: the entry points esbuild bundles (out name → source) and the
// packages it leaves external because they load native code by a computed path.

export interface ImageProgram {
  /** Bundle name (becomes <name>.mjs beside main.mjs) → entry source, relative to the repository root. */
  entries: Record<string, string>;
  external: string[];
}

export const IMAGE_PROGRAMS = {
  operator: { entries: { main: 'src/main.ts' }, external: [] },
  // The worker pool loads ./session-worker beside the module that defines it, so the worker is bundled as
  // its own entry next to main.mjs (runtime/inference/worker-pool.ts).
  runtime: {
    entries: { main: 'runtime/main.ts', 'session-worker': 'runtime/inference/session-worker.ts' },
    external: ['onnxruntime-node', 'onnxruntime-common'],
  },
  testapp: { entries: { main: 'proving-ground/testapp.ts' }, external: [] },
} as const satisfies Record<string, ImageProgram>;

export type ImageProgramName = keyof typeof IMAGE_PROGRAMS;

export function isImageProgram(name: string): name is ImageProgramName {
  return Object.hasOwn(IMAGE_PROGRAMS, name);
}

/**
 * The directory, inside an external package, of its native libraries for one platform; undefined for a
 * package without any. onnxruntime-node ships every platform's libraries (about 290 MB); an image needs
 * its own platform's only (about 45 MB for linux/x64).
 */
export function nativeLibraryDir(dependency: string, platform: string, arch: string): string | undefined {
  if (dependency === 'onnxruntime-node') return `bin/napi-v6/${platform}/${arch}`;
  return undefined;
}
