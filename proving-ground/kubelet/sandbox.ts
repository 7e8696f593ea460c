// A container's filesystem and identity, as a container runtime would set them up, done with util-linux
// and a POSIX shell instead of runc: the kubelet writes a start script per container start and runs it as
//
//   unshare --mount --propagation private --pid --fork --kill-child -- /bin/sh <container dir>/start.sh
//
// so that the mounts live in a private mount namespace (gone with the container), the container's program
// is PID 1 of its own PID namespace (signals behave as on a node: SIGTERM reaches it only if it handles
// it), and killing the unshare parent kills the container (--kill-child). The parent's command line names
// the container directory, so the cluster's cleanup finds it by path.
//
// The script lays a writable overlay over the image's root filesystem (upper and work directories in the
// container directory; the image store is never written), mounts /proc, a minimal /dev, the pod's
// /etc/hosts, /etc/resolv.conf and /etc/hostname, binds each volume at its mountPath (read-only when asked),
// remounts the root read-only for readOnlyRootFilesystem, and finally execs
//
//   unshare --root=<rootfs> --wd=<workingDir> --setuid=<uid> --setgid=<gid> -- <argv>
//
// which chroots, changes directory, drops every supplementary group, sets gid and uid, and execs the
// container's program with the container's PATH.
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';
import { StartRefusal } from './container-spec.ts';

export interface SandboxMount {
  /** Host path: a volume's directory (or a file in it, for a subPath). */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly: boolean;
  /** The source is a file: the mount point is created as an empty file. */
  isFile: boolean;
}

export interface SandboxPlan {
  /** The image's root filesystem: the overlay's read-only lower layer. */
  imageRootfs: string;
  /** This start's directory: rootfs/ (mount point), upper/ and work/ are made here. */
  containerDir: string;
  mounts: SandboxMount[];
  /** Host files bound over /etc/hosts, /etc/resolv.conf and /etc/hostname. */
  etcFiles: { hosts: string; resolvConf: string; hostname: string };
  readOnlyRootFilesystem: boolean;
  uid: number;
  gid: number;
  workingDir: string;
  argv: string[];
}

/** Device nodes every container gets, bound from the host's /dev. */
const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

/** Absolute paths of the host tools the script uses: it runs with the container's environment (PATH included). */
export function hostTool(name: string): string {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new Error(`the local kubelet needs ${name} (util-linux/coreutils) on this machine`);
}

const tools = (() => {
  let resolved: Record<'mount' | 'mkdir' | 'touch' | 'ln' | 'unshare' | 'nsenter' | 'sh', string> | undefined;
  return () =>
    (resolved ??= {
      mount: hostTool('mount'),
      mkdir: hostTool('mkdir'),
      touch: hostTool('touch'),
      ln: hostTool('ln'),
      unshare: hostTool('unshare'),
      nsenter: hostTool('nsenter'),
      sh: hostTool('sh'),
    });
})();

/**
 * A path inside the container with the image's symlinks resolved inside the image (as runc's securejoin
 * does): /var/run → /run in Debian must lead to <rootfs>/run, never to the host's /run. Components that do
 * not exist are kept as written; the script creates them.
 */
export function resolveInImage(imageRootfs: string, path: string): string {
  const pending = path.split('/').filter(Boolean);
  const resolved: string[] = [];
  for (let hops = 0; pending.length > 0; ) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const hostPath = join(imageRootfs, ...resolved, part);
    let link: string | undefined;
    try {
      if (lstatSync(hostPath).isSymbolicLink()) link = readlinkSync(hostPath);
    } catch {
      // Not in the image: kept as written.
    }
    if (link === undefined) {
      resolved.push(part);
      continue;
    }
    if (++hops > 40) throw new Error(`too many symbolic links resolving ${path} in the image`);
    if (link.startsWith('/')) resolved.length = 0;
    pending.unshift(...link.split('/').filter(Boolean));
  }
  return `/${resolved.join('/')}`;
}

/**
 * Checks that the program exists in the image before anything starts, so that a wrong command is a
 * StartError with runc's words, as on a node, rather than an exit code.
 */
export function checkExecutable(imageRootfs: string, program: string, path: string): void {
  const exists = (inImage: string): boolean => existsSync(join(imageRootfs, resolveInImage(imageRootfs, inImage)));
  if (program.includes('/')) {
    if (!exists(program)) throw new StartRefusal(`exec: ${JSON.stringify(program)}: stat ${program}: no such file or directory`);
    return;
  }
  if (!path.split(':').some((dir) => dir !== '' && exists(posix.join(dir, program)))) {
    throw new StartRefusal(`exec: ${JSON.stringify(program)}: executable file not found in $PATH`);
  }
}

/** Single-quotes a word for sh. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command the kubelet spawns for a start script at `scriptPath`: in the pod's network namespace
 * (`netnsPath`, /run/netns/…) unless the pod uses the host's network.
 */
export function sandboxCommand(scriptPath: string, netnsPath?: string): { command: string; args: string[] } {
  const tool = tools();
  const unshare = [tool.unshare, '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', '--', tool.sh, scriptPath];
  if (netnsPath === undefined) return { command: unshare[0]!, args: unshare.slice(1) };
  return { command: tool.nsenter, args: [`--net=${netnsPath}`, '--', ...unshare] };
}

/** The start script for one container start (see the file comment). */
export function sandboxScript(plan: SandboxPlan): string {
  const tool = tools();
  const q = shellQuote;
  const root = join(plan.containerDir, 'rootfs');
  const inRoot = (path: string): string => q(join(root, resolveInImage(plan.imageRootfs, path)));
  const lines = [
    'set -e',
    `${tool.mkdir} -p ${q(root)} ${q(join(plan.containerDir, 'upper'))} ${q(join(plan.containerDir, 'work'))}`,
    `${tool.mount} -t overlay overlay -o ${q(`lowerdir=${plan.imageRootfs},upperdir=${join(plan.containerDir, 'upper')},workdir=${join(plan.containerDir, 'work')}`)} ${q(root)}`,
    `${tool.mkdir} -p ${inRoot('proc')} ${inRoot('dev')} ${inRoot('etc')} ${inRoot('tmp')} ${inRoot(plan.workingDir)}`,
    `${tool.mount} -t proc -o nosuid,nodev,noexec proc ${inRoot('proc')}`,
    `${tool.mount} -t tmpfs -o nosuid,mode=755,size=64k tmpfs ${inRoot('dev')}`,
    ...DEVICES.flatMap((device) => [
      `${tool.touch} ${inRoot(`dev/${device}`)}`,
      `${tool.mount} --bind /dev/${device} ${inRoot(`dev/${device}`)}`,
    ]),
    `${tool.ln} -s /proc/self/fd ${inRoot('dev/fd')}`,
    ...['stdin', 'stdout', 'stderr'].map((name, fd) => `${tool.ln} -s /proc/self/fd/${fd} ${inRoot(`dev/${name}`)}`),
    `${tool.mkdir} ${inRoot('dev/shm')}`,
    `${tool.mount} -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=64m shm ${inRoot('dev/shm')}`,
    ...bindLines({ source: plan.etcFiles.hosts, target: '/etc/hosts', readOnly: false, isFile: true }, plan.imageRootfs, root),
    ...bindLines({ source: plan.etcFiles.resolvConf, target: '/etc/resolv.conf', readOnly: false, isFile: true }, plan.imageRootfs, root),
    ...bindLines({ source: plan.etcFiles.hostname, target: '/etc/hostname', readOnly: false, isFile: true }, plan.imageRootfs, root),
    ...plan.mounts.flatMap((mount) => bindLines(mount, plan.imageRootfs, root)),
  ];
  if (plan.readOnlyRootFilesystem) lines.push(`${tool.mount} -o remount,bind,ro ${q(root)}`);
  lines.push(
    [
      'exec',
      tool.unshare,
      q(`--root=${root}`),
      q(`--wd=${plan.workingDir}`),
      `--setuid=${plan.uid}`,
      `--setgid=${plan.gid}`,
      '--',
      ...plan.argv.map(q),
    ].join(' '),
  );
  return `${lines.join('\n')}\n`;
}

function bindLines(mount: SandboxMount, imageRootfs: string, root: string): string[] {
  const tool = tools();
  const inImage = resolveInImage(imageRootfs, mount.target);
  const target = shellQuote(join(root, inImage));
  const parent = shellQuote(join(root, posix.dirname(inImage)));
  const lines = mount.isFile ? [`${tool.mkdir} -p ${parent}`, `${tool.touch} ${target}`] : [`${tool.mkdir} -p ${target}`];
  lines.push(`${tool.mount} --bind ${shellQuote(mount.source)} ${target}`);
  if (mount.readOnly) lines.push(`${tool.mount} -o remount,bind,ro ${target}`);
  return lines;
}

/**
 * The container's first process, given the PID the kubelet spawned (nsenter execs unshare, whose forked
 * child runs the start script and then execs the container's program): what exec joins.
 */
export function containerInitPid(sandboxPid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${sandboxPid}/task/${sandboxPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children.length > 0 ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}
