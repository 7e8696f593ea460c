// Picks the container engine `npm run images` drives: MODELSHIP_IMAGE_ENGINE if set, otherwise the first
// of docker, podman and buildah that answers here (docker only with a running daemon).
import { succeeds } from './command.ts';
import { ENGINE_NAMES, probeCommand } from './engine.ts';
import type { Engine, EngineName } from './engine.ts';

export class NoEngineError extends Error {}

/** The engines to try, in order, given the environment. Pure. */
export function enginesToTry(env: NodeJS.ProcessEnv): Engine[] {
  const requested = env.MODELSHIP_IMAGE_ENGINE;
  if (requested !== undefined && requested !== '' && !ENGINE_NAMES.includes(requested as EngineName)) {
    throw new NoEngineError(`MODELSHIP_IMAGE_ENGINE=${requested} is not one of ${ENGINE_NAMES.join(', ')}`);
  }
  const names = requested ? [requested as EngineName] : ENGINE_NAMES;
  const storageRoot = env.MODELSHIP_ENGINE_ROOT || undefined;
  return names.map((name) => (storageRoot === undefined ? { name } : { name, storageRoot }));
}

export async function detectEngine(env: NodeJS.ProcessEnv = process.env): Promise<Engine> {
  const candidates = enginesToTry(env);
  for (const engine of candidates) if (await succeeds(probeCommand(engine))) return engine;
  throw new NoEngineError(
    `no usable container engine (tried ${candidates.map((e) => e.name).join(', ')}): install docker (with its daemon running), ` +
      'podman or buildah; on Debian: apt-get install -y buildah debootstrap',
  );
}
