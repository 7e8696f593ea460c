// Builds (once) and caches the all-in-one control plane binary from
// proving-ground/controlplane: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kube-proxy compiled from upstream sources at the versions pinned in its
// go.mod. The cache key covers the Go sources, go.mod/go.sum, the Go toolchain
// version and the build recipe below, so a warm start only runs `go version`.
//
// Usage as a script: node proving-ground/build-controlplane.ts  (prints the path)

import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { access, constants, copyFile, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { modelshipCacheDir } from './lib/build-cache.ts';

export interface EnsureControlPlaneOptions {
  onProgress?: (line: string) => void;
}

const SOURCE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'controlplane');
const HEARTBEAT_MS = 30_000;
// Generous upper bound so a stalled module download cannot hang CI forever.
const BUILD_TIMEOUT_MS = 60 * 60_000;
const GO_VERSION_TIMEOUT_MS = 30_000;
const ERROR_TAIL_LINES = 30;
const INSTALL_HINT = 'Install Go from https://go.dev/dl/ and make sure `go` is on PATH.';

// Bump when the go build invocation changes in a way that affects the output,
// so previously cached binaries are not reused.
// Upstream code is built as released: nothing is patched (pods have real addresses, ADR 0007).
const RECIPE = 'v3 CGO_ENABLED=0 -trimpath -ldflags=-s -w +version-stamp';

let pending: Promise<string> | undefined;

export async function ensureControlPlaneBinary(opts: EnsureControlPlaneOptions = {}): Promise<string> {
  // Concurrent callers in one process share a single build.
  pending ??= ensure(opts.onProgress ?? (() => {})).catch((err: unknown) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function ensure(onProgress: (line: string) => void): Promise<string> {
  const read = (file: string): Promise<string> => readFile(path.join(SOURCE_DIR, file), 'utf8');
  const [goSum, goMod, mainGo] = await Promise.all([read('go.sum'), read('go.mod'), read('main.go')]);
  const minGo = parseGoDirective(goMod);
  const k8sVersion = parseKubernetesVersion(goMod);

  const goVersion = await readGoVersion(minGo, k8sVersion);

  const hash = createHash('sha256');
  for (const s of [goSum, goMod, mainGo]) hash.update(s).update('\0');
  hash.update(goVersion.raw).update('\0').update(RECIPE);
  const cacheDir = modelshipCacheDir();
  const binary = path.join(cacheDir, `controlplane-${hash.digest('hex').slice(0, 16)}`);

  if (await isExecutable(binary)) return binary;

  await mkdir(cacheDir, { recursive: true });
  const tmp = `${binary}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await goBuild(tmp, k8sVersion, onProgress);
    // Atomic on the same filesystem; a concurrent builder in another process
    // simply replaces an identical binary.
    await rename(tmp, binary);
  } finally {
    await rm(tmp, { force: true });
  }
  onProgress(`control plane ready: ${binary}`);
  return binary;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

interface Version {
  major: number;
  minor: number;
  patch: number;
  raw: string;
}

function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

function parseGoDirective(goMod: string): Version {
  const m = /^go\s+(\d+)\.(\d+)(?:\.(\d+))?\s*$/m.exec(goMod);
  if (!m) throw new Error(`cannot find the go directive in ${path.join(SOURCE_DIR, 'go.mod')}`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), raw: m[0].trim() };
}

function parseKubernetesVersion(goMod: string): Version {
  const m = /^\s*k8s\.io\/kubernetes\s+v(\d+)\.(\d+)\.(\d+)\s*$/m.exec(goMod);
  if (!m) throw new Error(`cannot find the k8s.io/kubernetes requirement in ${path.join(SOURCE_DIR, 'go.mod')}`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), raw: `v${m[1]}.${m[2]}.${m[3]}` };
}

function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // Never let `go` download a newer toolchain behind our back; the version
    // check below gives a clear error instead.
    GOTOOLCHAIN: 'local',
    // The control plane module is standalone; ignore any go.work up the tree.
    GOWORK: 'off',
    // Static binary, like upstream's release builds; also no C compiler needed.
    CGO_ENABLED: '0',
  };
}

async function readGoVersion(minGo: Version, k8s: Version): Promise<Version> {
  const want = `Go >= ${minGo.major}.${minGo.minor}.${minGo.patch} is required to build the local control plane (Kubernetes ${k8s.raw} from source)`;
  let stdout: string;
  try {
    stdout = await new Promise<string>((resolve, reject) => {
      execFile('go', ['version'], { env: goEnv(), timeout: GO_VERSION_TIMEOUT_MS }, (err, out) =>
        err ? reject(err) : resolve(out),
      );
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { killed?: boolean };
    if (e.code === 'ENOENT') throw new Error(`${want}, but \`go\` was not found on PATH. ${INSTALL_HINT}`);
    const why = e.killed ? `timed out after ${GO_VERSION_TIMEOUT_MS / 1000}s` : e.message;
    throw new Error(`${want}, but \`go version\` failed: ${why}. ${INSTALL_HINT}`);
  }
  const m = /\bgo(\d+)\.(\d+)(?:\.(\d+))?/.exec(stdout);
  if (!m) throw new Error(`${want}, but could not parse \`go version\` output: ${stdout.trim()}. ${INSTALL_HINT}`);
  const found: Version = { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), raw: stdout.trim() };
  if (compareVersions(found, minGo) < 0) {
    throw new Error(`${want} (found ${m[0]}). ${INSTALL_HINT}`);
  }
  return found;
}

function ldflags(k8s: Version): string {
  const buildDate = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const vars: Record<string, string> = {
    gitVersion: k8s.raw,
    gitMajor: String(k8s.major),
    gitMinor: String(k8s.minor),
    // The module proxy does not expose the release commit; an empty value
    // beats the unexpanded "$Format:%H$" placeholder.
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate,
  };
  const flags = ['-s', '-w'];
  // component-base feeds the servers' /version; client-go feeds their
  // User-Agent when talking to the apiserver.
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    for (const [name, value] of Object.entries(vars)) flags.push(`-X '${pkg}.${name}=${value}'`);
  }
  return flags.join(' ');
}

function estimateMinutes(parallelism: number): number {
  // Measured ~9.5 min on 2 cores with empty module and build caches.
  return Math.max(3, Math.ceil(20 / Math.min(parallelism, 8)));
}

function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

async function goBuild(output: string, k8s: Version, onProgress: (line: string) => void): Promise<void> {
  const parallelism = os.availableParallelism();
  onProgress(`building control plane (first time only, ~${estimateMinutes(parallelism)} min)...`);
  const started = Date.now();
  // Build from a copy of the module's three files, so a build never writes the source tree.
  const buildDir = await mkdtemp(path.join(path.dirname(output), 'build-'));
  try {
    for (const file of ['go.mod', 'go.sum', 'main.go']) await copyFile(path.join(SOURCE_DIR, file), path.join(buildDir, file));
    const packages = await runGo(
      [
        'build',
        '-mod=readonly',
        '-trimpath',
        '-buildvcs=false',
        '-v',
        `-p=${parallelism}`,
        `-ldflags=${ldflags(k8s)}`,
        '-o',
        output,
        '.',
      ],
      buildDir,
      'building control plane',
      onProgress,
    );
    onProgress(`built control plane in ${formatElapsed(Date.now() - started)} (${packages} packages)`);
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
}

/** Runs one go command with progress heartbeats, a timeout, and the output's tail on failure; returns packages compiled. */
async function runGo(args: string[], cwd: string, what: string, onProgress: (line: string) => void): Promise<number> {
  const started = Date.now();
  let packages = 0;
  let downloads = 0;
  const tail: string[] = [];
  const keep = (line: string): void => {
    tail.push(line);
    if (tail.length > ERROR_TAIL_LINES) tail.shift();
  };

  const child = spawn('go', args, { cwd, env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const onLine = (line: string): void => {
    // -v prints one bare import path per compiled package; count those
    // instead of echoing thousands of lines, and keep everything else.
    if (/^[\w.~-]+(\/[\w.~+-]+)*$/.test(line)) packages++;
    else if (line.startsWith('go: downloading ')) downloads++;
    else keep(line);
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);

  const heartbeat = setInterval(() => {
    const progress = packages > 0 ? `${packages} packages compiled` : `${downloads} modules downloaded`;
    onProgress(`still ${what}: ${formatElapsed(Date.now() - started)} elapsed, ${progress}`);
  }, HEARTBEAT_MS);
  let timedOut = false;
  const killer = setTimeout(() => {
    timedOut = true;
    // SIGINT lets go stop its compiler subprocesses; SIGKILL if it ignores us.
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  }, BUILD_TIMEOUT_MS);

  try {
    const code = await new Promise<number | string>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c, signal) => resolve(c ?? signal ?? 'unknown'));
    });
    if (code !== 0) {
      const why = timedOut ? `timed out after ${formatElapsed(BUILD_TIMEOUT_MS)}` : `exited with ${code}`;
      throw new Error(`go ${args[0]} ${args[0] === 'mod' ? args[1] : ''} of the control plane (${SOURCE_DIR}) ${why}:\n${tail.join('\n') || '(no output)'}`);
    }
  } finally {
    clearInterval(heartbeat);
    clearTimeout(killer);
  }
  return packages;
}

const isMain =
  (import.meta as { main?: boolean }).main ??
  (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url));

if (isMain) {
  try {
    const binary = await ensureControlPlaneBinary({ onProgress: (line) => process.stderr.write(`${line}\n`) });
    process.stdout.write(`${binary}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
