// What a container runs, as the upstream kubelet and containerd derive it from the pod and the image:
// the command line (ENTRYPOINT/CMD against command/args), the environment (image Env under the pod's),
// the working directory and the user, and the runAsNonRoot check. Pure functions; no I/O.
import type { V1Container, V1Pod, V1SecurityContext } from '@kubernetes/client-node';
import type { ImageConfig } from '../images/store.ts';
import { ContainerConfigError } from './env.ts';
import { expandVariables } from './expand.ts';

/** containerd's PATH for images that set none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Kubernetes' rules: `command` replaces the ENTRYPOINT and drops the CMD; `args` alone replace the CMD;
 * neither keeps both. `$(VAR)` references in command and args expand from the container's env.
 */
export function containerArgv(container: V1Container, image: ImageConfig, env: Map<string, string>): string[] {
  const command = container.command ?? [];
  const args = container.args ?? [];
  const entrypoint = command.length > 0 ? command : (image.Entrypoint ?? []);
  const cmd = command.length > 0 || args.length > 0 ? args : (image.Cmd ?? []);
  const expand = (value: string): string => expandVariables(value, (name) => env.get(name));
  const argv = [...entrypoint.map(expand), ...cmd.map(expand)];
  if (argv.length === 0) throw new StartRefusal('no command specified');
  return argv;
}

/** The container cannot be created at all (the runtime refuses it): reported as a start error. */
export class StartRefusal extends Error {
  override name = 'StartRefusal';
}

/** The image's Env, then the pod's declared env on top (the pod wins), with a PATH always present. */
export function containerEnv(image: ImageConfig, declared: Map<string, string>, kubeletEnv: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of image.Env ?? []) {
    const equals = entry.indexOf('=');
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  env.PATH ??= DEFAULT_PATH;
  Object.assign(env, kubeletEnv);
  for (const [name, value] of declared) env[name] = value;
  return env;
}

/** The image's USER as the CRI reports it: a numeric uid, or a name the runtime resolves later. */
export interface ImageUser {
  uid?: number;
  username?: string;
  /** The group part of "user:group" when numeric. */
  gid?: number;
  groupname?: string;
}

export function parseImageUser(user: string | undefined): ImageUser {
  // An image without USER runs as root: the kubelet treats it as uid 0.
  if (!user) return { uid: 0 };
  const [userPart = '', groupPart] = user.split(':');
  const result: ImageUser = /^\d+$/.test(userPart) ? { uid: Number(userPart) } : { username: userPart };
  if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) result.gid = Number(groupPart);
    else result.groupname = groupPart;
  }
  return result;
}

/** The pod's securityContext under the container's, field by field, as DetermineEffectiveSecurityContext does. */
export function effectiveSecurityContext(pod: V1Pod, container: V1Container): V1SecurityContext {
  const podContext = pod.spec?.securityContext ?? {};
  const own = container.securityContext ?? {};
  return {
    ...own,
    runAsUser: own.runAsUser ?? podContext.runAsUser,
    runAsGroup: own.runAsGroup ?? podContext.runAsGroup,
    runAsNonRoot: own.runAsNonRoot ?? podContext.runAsNonRoot,
  };
}

/** "name_namespace(uid)", format.Pod in the kubelet. */
export function formatPod(pod: V1Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
}

/**
 * The upstream kubelet's verifyRunAsNonRoot (kuberuntime/security_context_others.go), with its messages.
 * Throws a ContainerConfigError, which the pod shows as CreateContainerConfigError.
 */
export function verifyRunAsNonRoot(pod: V1Pod, container: V1Container, imageUser: ImageUser): void {
  const context = effectiveSecurityContext(pod, container);
  if (!context.runAsNonRoot) return;
  const where = `(pod: ${JSON.stringify(formatPod(pod))}, container: ${container.name})`;
  if (context.runAsUser !== undefined) {
    if (context.runAsUser === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy ${where}`);
    return;
  }
  if (imageUser.uid === undefined && imageUser.username) {
    throw new ContainerConfigError(
      `container has runAsNonRoot and image has non-numeric user (${imageUser.username}), cannot verify user is non-root ${where}`,
    );
  }
  if (imageUser.uid === 0) throw new ContainerConfigError(`container has runAsNonRoot and image will run as root ${where}`);
}

/** One line of /etc/passwd or /etc/group, split on ':'. */
type DatabaseLine = string[];

function parseDatabase(text: string | undefined): DatabaseLine[] {
  return (text ?? '')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'));
}

/**
 * The uid and gid the process runs as, resolved as containerd does: runAsUser/runAsGroup win; a user name
 * is looked up in the image's /etc/passwd; a uid's primary group comes from /etc/passwd when no group is
 * given (0 when the uid has no entry).
 */
export function resolveUser(
  context: V1SecurityContext,
  imageUser: ImageUser,
  files: { passwd?: string; group?: string },
): { uid: number; gid: number } {
  const passwd = parseDatabase(files.passwd);
  let uid = context.runAsUser;
  let primaryGid: number | undefined;
  if (uid === undefined) {
    if (imageUser.uid !== undefined) uid = imageUser.uid;
    else {
      const entry = passwd.find((line) => line[0] === imageUser.username);
      if (!entry) throw new StartRefusal(`unable to find user ${imageUser.username}: no matching entries in passwd file`);
      uid = Number(entry[2]);
      primaryGid = Number(entry[3]);
    }
  }
  if (primaryGid === undefined) {
    const entry = passwd.find((line) => Number(line[2]) === uid);
    primaryGid = entry?.[3] !== undefined ? Number(entry[3]) : 0;
  }
  let gid = context.runAsGroup;
  if (gid === undefined && imageUser.gid !== undefined) gid = imageUser.gid;
  if (gid === undefined && imageUser.groupname !== undefined) {
    const entry = parseDatabase(files.group).find((line) => line[0] === imageUser.groupname);
    if (!entry) throw new StartRefusal(`unable to find group ${imageUser.groupname}: no matching entries in group file`);
    gid = Number(entry[2]);
  }
  return { uid, gid: gid ?? primaryGid };
}
