// Starting and stopping clusters leaves nothing behind: not after stop(), not
// when the owning process dies, not after cluster:up / cluster:down.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { REPO_ROOT, startCluster } from './cluster.ts';
import { clusterAddresses } from './network/addresses.ts';
import { isProcessAlive, processGroupMembers, processesWithCommandLineContaining } from './lib/processes.ts';
import { pollUntil } from './lib/wait.ts';
import { isPodReady, waitForPods } from './test-cluster.ts';
import { testappContainer } from './testapp-spec.ts';
import { kubectlPath } from './tools.ts';

const execFileAsync = promisify(execFile);
const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const progress = (line: string): void => void process.stderr.write(`[cluster] ${line}\n`);

/** What `pgrep -f` finds for a cluster directory (empty when pgrep finds nothing). */
async function pgrep(pattern: string): Promise<string> {
  try {
    return (await execFileAsync('pgrep', ['-af', pattern])).stdout.trim();
  } catch {
    return '';
  }
}

/** The cluster network's names (node-network.ts writes them to <dir>/network for the guardian). */
function networkOf(dir: string): { netns: string; hostLink: string } {
  const [netns, hostLink] = readFileSync(join(dir, 'network'), 'utf8').trim().split(' ') as [string, string];
  return { netns, hostLink };
}

/** Network namespaces, links, routes and host iptables rules of a cluster's network that still exist. */
async function networkLeftovers(network: { netns: string; hostLink: string }): Promise<string[]> {
  const ipOut = async (...args: string[]): Promise<string[]> => (await execFileAsync('ip', args)).stdout.split('\n').filter(Boolean);
  const addresses = clusterAddresses(Number(network.netns.replace(/^ms-/, '')));
  const prefixes = [addresses.podCidr, addresses.serviceCidr].map((cidr) => cidr.replace(/0\.0\/16$/, ''));
  // kube-proxy's rules live in the node netns; none may ever reach the host's tables.
  const hostRules = (await execFileAsync('iptables-save')).stdout.split('\n');
  return [
    ...hostRules.filter((line) => prefixes.some((prefix) => line.includes(prefix))),
    ...(await ipOut('netns', 'list')).filter((line) => line.split(' ')[0] === network.netns || line.startsWith(`${network.netns}-`)),
    ...(await ipOut('-br', 'link')).filter((line) => line.split(/[\s@]/)[0] === network.hostLink),
    ...(await ipOut('route')).filter((line) => line.includes(network.hostLink)),
  ];
}

test('stopping a cluster leaves no process behind, pods included', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-lifecycle-'));
  const cluster = await startCluster({ dir, onProgress: progress });
  let pids: number[] = [];
  let podGroups: number[] = [];
  try {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'runner' }, spec: { containers: [testappContainer()] } } });
    await waitForPods(cluster, 'default', (pods) => pods.length === 1 && isPodReady(pods[0]!), { description: 'pod runner Ready' });
    podGroups = cluster.kubelet?.runningProcessGroups() ?? [];
    pids = [...cluster.components.map((component) => component.pid), ...podGroups];
    assert.equal(pids.length, 6, 'five components (kube-proxy included) and one pod process');
    // The container's program runs under the sandbox wrapper, in the same process group.
    assert.ok(processGroupMembers(podGroups[0]!).length >= 2, 'the wrapper and the container process');
    assert.ok(pids.every(isProcessAlive));
    const pod = (await core.readNamespacedPod({ namespace: 'default', name: 'runner' })).metadata!;
    const running = await networkLeftovers(networkOf(dir));
    assert.ok(running.some((line) => line.startsWith(`${networkOf(dir).netns}-${pod.uid!.replaceAll('-', '').slice(0, 12)}`)), `the pod's network namespace exists: ${running}`);
    assert.ok(running.some((line) => line.startsWith(`${networkOf(dir).netns} `) || line === networkOf(dir).netns), 'the node network namespace exists');
  } finally {
    await cluster.stop();
  }
  assert.deepEqual(await networkLeftovers(networkOf(dir)), [], 'no network namespace, link or route of the cluster is left');
  assert.deepEqual(pids.filter(isProcessAlive), [], 'every component and pod process has exited');
  assert.deepEqual(podGroups.flatMap(processGroupMembers), [], 'no container process is left in the pod process group');
  assert.deepEqual(processesWithCommandLineContaining(dir), []);
  assert.equal(await pgrep(dir), '');
  rmSync(dir, { recursive: true, force: true });
});

test('when the process that started a cluster dies, the guardian stops everything', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-orphan-'));
  const script = `
    const { startCluster } = await import(${JSON.stringify(join(REPO_ROOT, 'proving-ground/cluster.ts'))});
    const { testappContainer } = await import(${JSON.stringify(join(REPO_ROOT, 'proving-ground/testapp-spec.ts'))});
    const cluster = await startCluster({ dir: process.argv[1] });
    await cluster.api.create('/api/v1/namespaces/default/pods', { metadata: { name: 'orphan' }, spec: { containers: [testappContainer()] } });
    console.log('STARTED');
    setInterval(() => {}, 1000);
  `;
  const owner = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      owner.stdout.on('data', (chunk: Buffer) => (chunk.toString().includes('STARTED') ? resolve() : undefined));
      owner.on('exit', (code) => reject(new Error(`the owner process exited (${code}) before starting its cluster`)));
    });
    // Wait for the pod's process, so the guardian has a pod to clean up too.
    await pollUntil(() => processesWithCommandLineContaining(`${dir}/pods/`).length > 0, {
      description: 'the orphan pod process to start',
      timeoutMs: 120_000,
    });
    owner.kill('SIGKILL');
    await pollUntil(() => processesWithCommandLineContaining(`${dir}/`).length === 0, {
      description: 'the guardian to stop every process of the dead owner',
      timeoutMs: 60_000,
      diagnose: () => JSON.stringify(processesWithCommandLineContaining(`${dir}/`)),
    });
    // The guardian's own scan (grep -F <dir>/) matches the directory until it has finished.
    await pollUntil(() => readFileSync(join(dir, 'guardian.log'), 'utf8').includes(' done'), {
      description: 'the guardian to finish its scan',
      timeoutMs: 60_000,
    });
    assert.equal(await pgrep(`${dir}/`), '');
    assert.deepEqual(await networkLeftovers(networkOf(dir)), [], 'the guardian removed the cluster network');
  } finally {
    owner.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cluster:up starts a background cluster kubectl can use; cluster:down leaves nothing behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-cli-'));
  try {
    const up = await execFileAsync(process.execPath, [cli, 'up', '--dir', dir], { cwd: REPO_ROOT, timeout: 600_000 });
    const exportLine = up.stdout.trim();
    assert.equal(exportLine, `export KUBECONFIG=${join(dir, 'kubeconfig')}`);
    assert.match(up.stderr, /cluster up in/);

    const nodes = await execFileAsync(kubectlPath(), ['get', 'nodes'], { env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig') } });
    assert.match(nodes.stdout, /proving-ground\s+Ready/);
    assert.notEqual(await pgrep(`${dir}/`), '', 'the cluster runs in the background');
    const network = networkOf(dir);
    assert.notDeepEqual(await networkLeftovers(network), [], 'the cluster network exists');

    const down = await execFileAsync(process.execPath, [cli, 'down', '--dir', dir], { cwd: REPO_ROOT, timeout: 180_000 });
    assert.match(down.stderr, /no process left/);
    assert.equal(await pgrep(dir), '');
    assert.deepEqual(await networkLeftovers(network), [], 'cluster:down leaves no network namespace, link or route');
  } finally {
    await execFileAsync(process.execPath, [cli, 'down', '--dir', dir], { cwd: REPO_ROOT, timeout: 180_000 }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
