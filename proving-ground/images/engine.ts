// Command lines for the three container engines `npm run images` can drive. Pure: each function returns an
// argv (program first) for the caller to run, so the command lines are unit-tested without an engine.
//
// docker needs a daemon and BuildKit (for build secrets and cache mounts); podman and buildah are
// daemonless. buildah runs with the vfs storage driver and chroot isolation, which need nothing but root:
// no overlay mounts, no user namespaces, no OCI runtime (docs/adr/0005-images.md).
import type { ImageConfig } from './store.ts';

export type EngineName = 'docker' | 'podman' | 'buildah';

export const ENGINE_NAMES: readonly EngineName[] = ['docker', 'podman', 'buildah'];

export interface Engine {
  name: EngineName;
  /** buildah/podman storage root; undefined for the engine's default. */
  storageRoot?: string;
}

export interface BuildRequest {
  dockerfile: string;
  context: string;
  tags: string[];
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** Build secrets: id → file on this machine, mounted for RUN steps at /run/secrets/<id>. */
  secrets: Record<string, string>;
}

/** The argv start every command of this engine shares (global options before the subcommand). */
export function engineCommand(engine: Engine): string[] {
  if (engine.name === 'docker') return ['docker'];
  const root = engine.storageRoot === undefined ? [] : ['--root', `${engine.storageRoot}/root`, '--runroot', `${engine.storageRoot}/run`];
  if (engine.name === 'podman') return ['podman', ...root];
  return ['buildah', '--storage-driver', 'vfs', ...root];
}

/** The probe that tells whether the engine is usable here (docker: the daemon answers). */
export function probeCommand(engine: Engine): string[] {
  if (engine.name === 'buildah') return [...engineCommand(engine), 'version'];
  return [...engineCommand(engine), 'info'];
}

/** Environment the engine's commands need: docker's secrets and cache mounts exist only under BuildKit. */
export function engineEnv(engine: Engine): Record<string, string> {
  return engine.name === 'docker' ? { DOCKER_BUILDKIT: '1' } : {};
}

export function buildCommand(engine: Engine, request: BuildRequest): string[] {
  const argv = [...engineCommand(engine)];
  // No --layers for buildah: with vfs every cached step is a full copy of the root filesystem, which made a
  // rebuild after a source change three times slower than building the image in one working container.
  if (engine.name === 'buildah') argv.push('bud', '--isolation', 'chroot');
  else if (engine.name === 'podman') argv.push('build', '--layers');
  else argv.push('build');
  argv.push('--file', request.dockerfile);
  for (const tag of request.tags) argv.push('--tag', tag);
  for (const [name, value] of sortedEntries(request.buildArgs)) argv.push('--build-arg', `${name}=${value}`);
  for (const [name, value] of sortedEntries(request.labels)) argv.push('--label', `${name}=${value}`);
  for (const [id, src] of sortedEntries(request.secrets)) argv.push('--secret', `id=${id},src=${src}`);
  argv.push(request.context);
  return argv;
}

export function inspectImageCommand(engine: Engine, reference: string): string[] {
  if (engine.name === 'buildah') return [...engineCommand(engine), 'inspect', '--type', 'image', reference];
  return [...engineCommand(engine), 'image', 'inspect', reference];
}

export interface InspectedImage {
  /** sha256 hex of the image config, without the "sha256:" prefix. */
  id: string;
  config: ImageConfig;
}

/** Reads `inspectImageCommand`'s output: docker and podman print an array, buildah one object. */
export function parseInspect(engine: Engine, stdout: string): InspectedImage {
  const parsed = JSON.parse(stdout) as unknown;
  if (engine.name === 'buildah') {
    const image = parsed as { FromImageID?: string; OCIv1?: { config?: ImageConfig } };
    if (!image.FromImageID) throw new Error('buildah inspect printed no image id');
    return { id: stripDigestPrefix(image.FromImageID), config: pickConfig(image.OCIv1?.config ?? {}) };
  }
  const [image] = parsed as Array<{ Id?: string; Config?: ImageConfig }>;
  if (!image?.Id) throw new Error(`${engine.name} image inspect printed no image id`);
  return { id: stripDigestPrefix(image.Id), config: pickConfig(image.Config ?? {}) };
}

/** The steps that make a container of `reference` whose root filesystem `exportSteps` can then copy out. */
export function createContainerCommand(engine: Engine, reference: string): string[] {
  if (engine.name === 'buildah') return [...engineCommand(engine), 'from', '--pull-never', reference];
  return [...engineCommand(engine), 'create', reference];
}

/**
 * How to get container `container`'s root filesystem: buildah mounts it (stdout: the mount point), docker
 * and podman stream it as a tar on stdout.
 */
export function rootfsCommand(engine: Engine, container: string): { argv: string[]; gives: 'mountpoint' | 'tar' } {
  if (engine.name === 'buildah') return { argv: [...engineCommand(engine), 'mount', container], gives: 'mountpoint' };
  return { argv: [...engineCommand(engine), 'export', container], gives: 'tar' };
}

export function removeContainerCommands(engine: Engine, container: string): string[][] {
  if (engine.name === 'buildah') return [[...engineCommand(engine), 'umount', container], [...engineCommand(engine), 'rm', container]];
  return [[...engineCommand(engine), 'rm', container]];
}

export function pullCommand(engine: Engine, reference: string): string[] {
  return [...engineCommand(engine), 'pull', reference];
}

/** Removes one image by id; used for the image a rebuild replaced, which nothing else names any more. */
export function removeImageCommand(engine: Engine, id: string): string[] {
  if (engine.name === 'docker') return ['docker', 'image', 'rm', id];
  return [...engineCommand(engine), 'rmi', id];
}

const CONFIG_KEYS = ['Entrypoint', 'Cmd', 'Env', 'WorkingDir', 'User', 'Labels', 'ExposedPorts'] as const;

function pickConfig(config: ImageConfig): ImageConfig {
  const picked: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) if (config[key] !== undefined) picked[key] = config[key];
  return picked as ImageConfig;
}

function stripDigestPrefix(id: string): string {
  return id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
}

function sortedEntries(record: Record<string, string>): Array<[string, string]> {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}
