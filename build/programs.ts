// What each image's program is made of: the entry points esbuild bundles (out name → source) and the
// packages it leaves external, copied with their dependencies into the image's node_modules: onnxruntime
// loads a native library by a computed path, and the protobuf packages load .proto files relative to
// __dirname, which neither survives bundling.

export interface ImageProgram {
  /** Bundle name (becomes <name>.mjs beside main.mjs) → entry source, relative to the repository root. */
  entries: Record<string, string>;
  external: string[];
  /** Files the program reads beside its bundle at run time: name in the out dir → source. */
  assets: Record<string, string>;
}

export const IMAGE_PROGRAMS = {
  operator: { entries: { main: 'src/main.ts' }, external: [], assets: {} },
  // The worker pool and the codec thread load ./session-worker and ./codec-worker beside the module that
  // defines them, so each worker is bundled as its own entry next to main.mjs (runtime/inference/worker-pool.ts,
  // runtime/codec/codec-thread.ts).
  runtime: {
    entries: { main: 'runtime/main.ts', 'session-worker': 'runtime/inference/session-worker.ts', 'codec-worker': 'runtime/codec/codec-worker.ts' },
    // protobufjs is external beside proto-loader, which requires it, so that both use the one copy.
    external: ['onnxruntime-node', 'onnxruntime-common', '@grpc/proto-loader', 'protobufjs'],
    // runtime/grpc/proto.ts loads them from beside its own module, which is a chunk beside main.mjs.
    assets: { 'grpc_predict_v2.proto': 'runtime/grpc/grpc_predict_v2.proto', 'health.proto': 'runtime/grpc/health.proto' },
  },
  testapp: { entries: { main: 'proving-ground/testapp.ts' }, external: [], assets: {} },
} as const satisfies Record<string, ImageProgram>;

export type ImageProgramName = keyof typeof IMAGE_PROGRAMS;

export function isImageProgram(name: string): name is ImageProgramName {
  return Object.hasOwn(IMAGE_PROGRAMS, name);
}

/** Dependencies only an install script uses (onnxruntime-node's downloader): never copied into an image. */
export const INSTALL_ONLY_DEPENDENCIES = ['adm-zip', 'global-agent'];

/** Whether a file of an external package goes into the image: no sources, maps or other platforms' libraries. */
export function shipsFile(packageRelativePath: string, platform: string, arch: string): boolean {
  const path = packageRelativePath.split('\\').join('/');
  if (/\.(map|md|markdown)$/i.test(path) || /\.[cm]?ts$/.test(path)) return false;
  const native = path.match(/^bin\/napi-v\d+\/([^/]+)(?:\/([^/]+))?/);
  if (native) return native[1] === platform && (native[2] === undefined || native[2] === arch);
  return true;
}
