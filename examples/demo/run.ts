// The demo, step by step. `examples/demo.ts` is the command line around runDemo().
import { existsSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { REPO_ROOT } from '../../proving-ground/cluster.ts';
import type { ModelDeployment } from '../../src/api/types.ts';
import { startDemoCluster } from './cluster.ts';
import type { DemoCluster } from './cluster.ts';
import { Kube, pluginPath } from './kube.ts';
import type { DemoEvent } from './kube.ts';
import { MODEL_CLAIM, NAME, NAMESPACE, REPLICAS, copyIntoClaim, prepareModels, writeBrokenModel, writeManifest } from './models.ts';
import type { ModelFile } from './models.ts';
import { DemoError, detail, elapsed, heading, say, setAbortSignal, setQuiet, sleep, waitFor } from './say.ts';
import type { Claim } from './say.ts';
import { condition, conditionsText, isReadyNow, isTrue, statusKey, statusLine } from './status.ts';
import { DIABETES_ROWS, SteadyClient } from './traffic.ts';
import type { TrafficTotals, V2Response } from './traffic.ts';

export const OPERATOR_NAMESPACE = 'modelship-system';
export const RELEASE = 'modelship';
const STEPS = 7;

export interface DemoOptions {
  /** Directory of the cluster and the demo's files. */
  dir: string;
  /** Leave the cluster running at the end (and after a failure). */
  keep: boolean;
  quiet?: boolean;
  /** Write the summary as JSON here. */
  summaryPath?: string;
  /** Aborts the demo (Ctrl-C): the current wait fails and the cluster is stopped. */
  signal?: AbortSignal;
}

export interface DemoSummary {
  ok: boolean;
  wallSeconds: number;
  failure?: { step: string; message: string; hints: string[] };
  phases: Array<{ name: string; seconds: number }>;
  claims: Claim[];
  predictions: Record<string, { v1Protocol: number[]; v2Protocol: number[] }>;
  canary: { completed: boolean; weightsSeen: number[]; shares: Array<{ weight: number; candidateShare: number; answers: number }>; seconds?: number };
  rollback: { happened: boolean; reason?: string; message?: string; event?: string; seconds?: number; stableVersion?: string };
  traffic?: TrafficTotals;
  /** Where the steady traffic came from (a client pod) and went (the Service's ClusterIP). */
  trafficVia?: { pod: string; url: string };
  kubeconfig?: string;
  clusterDir: string;
}

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  setQuiet(options.quiet ?? false);
  setAbortSignal(options.signal);
  const started = Date.now();
  const summary: DemoSummary = {
    ok: false,
    wallSeconds: 0,
    phases: [],
    claims: [],
    predictions: {},
    canary: { completed: false, weightsSeen: [], shares: [] },
    rollback: { happened: false },
    clusterDir: options.dir,
  };
  const demo = new Demo(options, summary);
  let stepName = 'starting';
  try {
    for (const [index, [name, step]] of demo.steps().entries()) {
      stepName = name;
      heading(index + 1, STEPS, name);
      const stepStarted = Date.now();
      await step();
      summary.phases.push({ name, seconds: round((Date.now() - stepStarted) / 1000) });
    }
    summary.ok = summary.claims.every((claim) => claim.ok);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const interrupted = options.signal?.aborted === true;
    const hints = interrupted ? [] : [...(error instanceof DemoError ? error.hints : []), ...demo.logHints()];
    summary.failure = { step: stepName, message: interrupted ? 'interrupted' : message, hints };
    say('');
    if (interrupted) say(`Interrupted during "${stepName}".`);
    else say(`DEMO FAILED during "${stepName}":`);
    if (!interrupted) say(message);
    if (!interrupted && !(error instanceof DemoError) && error instanceof Error && error.stack) detail(error.stack);
    if (hints.length > 0) {
      say('Look at:');
      for (const hint of hints) say(`  ${hint}`);
    }
  } finally {
    await demo.stopTraffic();
    summary.wallSeconds = round((Date.now() - started) / 1000);
    await demo.finish(summary);
    if (options.summaryPath) writeFileSync(options.summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  }
  return summary;
}

class Demo {
  private readonly options: DemoOptions;
  private readonly summary: DemoSummary;
  private cluster: DemoCluster | undefined;
  private kube: Kube | undefined;
  private models: { v1: ModelFile; v2: ModelFile; v3: ModelFile } | undefined;
  private traffic: SteadyClient | undefined;

  constructor(options: DemoOptions, summary: DemoSummary) {
    this.options = options;
    this.summary = summary;
  }

  steps(): Array<[string, () => Promise<void>]> {
    return [
      ['Start the local Kubernetes cluster', () => this.startCluster()],
      ['Install Modelship with Helm', () => this.installChart()],
      ['Deploy the linear-regression model, version 1', () => this.deployV1()],
      ['Ask it for predictions (V1 and Open Inference Protocol v2)', async () => void (await this.predict('1'))],
      ['Canary rollout of version 2 under steady traffic', () => this.canaryV2()],
      ['Roll out a broken version 3 and watch it roll back by itself', () => this.brokenV3()],
      ['Summary', async () => this.printSummary()],
    ];
  }

  private claim(text: string, ok: boolean): void {
    this.summary.claims.push({ text, ok });
    say(`${ok ? 'ok  ' : 'FAIL'} ${text}`);
  }

  private get k(): Kube {
    if (!this.kube) throw new Error('the cluster is not running');
    return this.kube;
  }

  // ------------------------------------------------------------------------------------------------------
  // 1. cluster

  private async startCluster(): Promise<void> {
    this.models = prepareModels(this.options.dir, (line) => say(line));
    say(`Starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler and the local kubelet in ${this.options.dir}`);
    say('(the first run builds the control plane from the Kubernetes sources, which takes several minutes; later runs reuse it)');
    this.cluster = await startDemoCluster({ dir: this.options.dir, keep: this.options.keep, onProgress: (line) => detail(line) });
    this.kube = new Kube(this.cluster);
    this.summary.kubeconfig = this.cluster.kubeconfigPath;
    const nodes = await this.k.kubectlOk(['get', 'nodes', '-o', 'wide']);
    detail(nodes.trimEnd());
    say(`Cluster is up; kubeconfig: ${this.cluster.kubeconfigPath}`);
  }

  // ------------------------------------------------------------------------------------------------------
  // 2. helm

  private async installChart(): Promise<void> {
    const chart = join(REPO_ROOT, 'charts', 'modelship');
    // One operator replica on a laptop; the chart's default of two runs a standby behind leader election.
    // The namespace comes first, enforcing Pod Security `restricted`: the API server itself checks the
    // chart's pod spec (helm's --create-namespace would make it without the label).
    await this.createRestrictedNamespace(OPERATOR_NAMESPACE);
    const args = ['install', RELEASE, chart, '--namespace', OPERATOR_NAMESPACE, '--set', 'replicaCount=1', '--wait', '--timeout', '5m'];
    say(`$ helm ${args.map((a) => (a === chart ? 'charts/modelship' : a)).join(' ')}`);
    const result = await this.k.helm(args, 6 * 60_000);
    if (result.code !== 0) {
      throw new DemoError(`helm install failed (exit ${result.code}):\n${(result.stderr || result.stdout).trim()}`, [
        `kubectl -n ${OPERATOR_NAMESPACE} get pods,events`,
      ]);
    }
    detail(result.stdout.split('\n').filter((line) => /^(NAME|STATUS|REVISION|NAMESPACE):/.test(line)).join('\n'));
    const pods = await this.k.kubectlOk(['get', 'pods', '-n', OPERATOR_NAMESPACE, '-o', 'wide']);
    detail(pods.trimEnd());
    const pod = JSON.parse(await this.k.kubectlOk(['get', 'pods', '-n', OPERATOR_NAMESPACE, '-l', 'app.kubernetes.io/name=modelship', '-o', 'json'])) as {
      items: Array<{ metadata: { name: string }; spec: { serviceAccountName?: string; containers: Array<{ image: string }> }; status: { phase?: string; podIP?: string } }>;
    };
    const operator = pod.items.find((item) => item.status.phase === 'Running');
    this.claim(
      operator
        ? `helm installed the operator: pod ${operator.metadata.name} runs image ${operator.spec.containers[0]?.image} at ${operator.status.podIP}, under ServiceAccount ${operator.spec.serviceAccountName}`
        : 'helm installed the operator and its pod is Running',
      operator !== undefined,
    );
    if (!operator) throw new DemoError('the operator pod is not Running after helm install --wait');
    const crd = await this.k.kubectl(['get', 'crd', 'modeldeployments.modelship.io']);
    this.claim('the chart installed the ModelDeployment CRD', crd.code === 0);
  }

  /** A namespace whose pods the API server admits only under Pod Security `restricted`. */
  private async createRestrictedNamespace(name: string): Promise<void> {
    await this.k.kubectlOk(['create', 'namespace', name]);
    await this.k.kubectlOk(['label', 'namespace', name, 'pod-security.kubernetes.io/enforce=restricted']);
  }

  private claimDir(): string {
    return join(this.cluster!.pvcDir, NAMESPACE, MODEL_CLAIM);
  }

  /**
   * The claim the model files go into, as a user would upload them to a volume; the runtime's fetch reads
   * them through pvc:// URIs. The proving ground's provisioner makes each claim a directory.
   */
  private async createModelClaim(): Promise<void> {
    const claim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: MODEL_CLAIM, namespace: NAMESPACE },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    };
    const path = join(this.options.dir, 'model-claim.json');
    writeFileSync(path, JSON.stringify(claim));
    say(`$ kubectl apply -f ${path}   # PersistentVolumeClaim ${MODEL_CLAIM} for the model files`);
    await this.k.kubectlOk(['apply', '-f', path]);
    await waitFor(`claim ${MODEL_CLAIM} to be bound`, async () => existsSync(this.claimDir()), { timeoutMs: 60_000 });
  }

  // ------------------------------------------------------------------------------------------------------
  // 3. v1

  private async deployV1(): Promise<void> {
    const { v1 } = this.models!;
    await this.createRestrictedNamespace(NAMESPACE);
    await waitFor(`the default ServiceAccount of namespace ${NAMESPACE}`, async () => (await this.k.kubectl(['get', 'serviceaccount', 'default', '-n', NAMESPACE])).code === 0, {
      timeoutMs: 60_000,
    });
    await this.createModelClaim();
    say(`Model version 1: ${v1.what}`);
    say(`  ${v1.path} -> ${v1.uri} (${copyIntoClaim(this.claimDir(), v1)})`);
    say(`  sha256 ${v1.sha256}`);
    const { path, yaml } = writeManifest(this.options.dir, v1);
    say(`$ kubectl apply -f ${path}`);
    detail(yaml.trimEnd());
    await this.k.kubectlOk(['apply', '-f', path]);
    const md = await this.follow('version 1 to be Ready', (m) => isReadyNow(m) && m.status?.stableRevision?.version === '1', 4 * 60_000);
    this.claim(`ModelDeployment ${NAMESPACE}/${NAME} is Ready: version 1 on ${md.status?.readyReplicas ?? '?'}/${REPLICAS} pods`, true);
    detail((await this.k.kubectlOk(['get', 'modeldeployments,deployments,services,pods', '-n', NAMESPACE, '-o', 'wide'])).trimEnd());
  }

  // ------------------------------------------------------------------------------------------------------
  // 4. predictions

  private async predict(expectVersion: string): Promise<{ v1Protocol: number[]; v2Protocol: number[] }> {
    const rows = DIABETES_ROWS.map((row) => row.features);
    say(`From outside the cluster, as from a laptop: kubectl modelship predict goes through the API server's proxy to Service ${NAMESPACE}/${NAME}.`);
    const shown = `'[[${rows[0]!.slice(0, 3).join(', ')}, …], […]]'`;
    const ask = async (extra: string[], what: string): Promise<{ text: string; body: unknown }> => {
      say(`$ kubectl modelship predict ${NAME} -n ${NAMESPACE} --data ${shown}${extra.length ? ` ${extra.join(' ')}` : ''}   # ${what}`);
      const result = await this.k.plugin(['predict', NAME, '-n', NAMESPACE, '--data', JSON.stringify(rows), ...extra]);
      if (result.code !== 0) throw new DemoError(`kubectl modelship predict (${what}) exited ${result.code}: ${(result.stderr || result.stdout).trim().slice(0, 300)}`);
      const body = JSON.parse(result.stdout) as unknown;
      say(`  -> ${JSON.stringify(body).slice(0, 200)}`);
      return { text: result.stdout, body };
    };
    const v1 = await ask([], 'V1 protocol: {"instances": rows}');
    const v1Predictions = ((v1.body as { predictions?: unknown[] }).predictions ?? []).map((p) => Number(Array.isArray(p) ? p[0] : p));
    const v2 = await ask(['--v2'], 'Open Inference Protocol v2: an FP32 tensor shaped from the model metadata');
    const answer = v2.body as V2Response;
    const v2Predictions = (answer.outputs?.[0]?.data ?? []).map(Number);

    for (const [i, row] of DIABETES_ROWS.entries()) {
      say(`  patient ${i + 1}: predicted progression ${v2Predictions[i]?.toFixed(1)} (measured a year later: ${row.target})`);
    }
    const good =
      v1Predictions.length === rows.length &&
      v2Predictions.length === rows.length &&
      v1Predictions.every((p, i) => Number.isFinite(p) && Math.abs(p - v2Predictions[i]!) < 1e-3) &&
      answer.model_version === expectVersion;
    this.claim(`predictions from version ${answer.model_version}: one per row, the same over V1 and OIP v2`, good);
    const result = { v1Protocol: v1Predictions, v2Protocol: v2Predictions };
    this.summary.predictions[expectVersion] = result;
    if (!good) throw new DemoError(`unexpected predictions: V1 ${JSON.stringify(v1Predictions)}, OIP v2 ${JSON.stringify(v2Predictions)} (version ${answer.model_version})`);
    return result;
  }

  // ------------------------------------------------------------------------------------------------------
  // 5. canary

  private async canaryV2(): Promise<void> {
    const { v2 } = this.models!;
    this.traffic = new SteadyClient(this.k.client, NAMESPACE, NAME, NAME);
    const url = await this.traffic.start();
    this.summary.trafficVia = { pod: `${NAMESPACE}/${NAME}-client`, url };
    say(`A client pod (${NAMESPACE}/${NAME}-client) now sends OIP v2 requests without pause (2 at a time) to ${url},`);
    say('the Service\'s ClusterIP, a new connection each, so kube-proxy picks a pod per request; it counts every failed request.');
    await sleep(2000);

    say(`Model version 2: ${v2.what}`);
    say(`  ${v2.path} -> ${v2.uri} (${copyIntoClaim(this.claimDir(), v2)})`);
    say(`  sha256 ${v2.sha256}`);
    const { path } = writeManifest(this.options.dir, v2);
    say(`$ kubectl apply -f ${path}     # spec.model: version "2", the new uri and sha256`);
    const applied = Date.now();
    await this.k.kubectlOk(['apply', '-f', path]);
    const weights: Array<{ at: number; weight: number }> = [];
    const md = await this.follow(
      'the canary of version 2 to complete (Ready, version 2 stable)',
      (m) => {
        const weight = m.status?.canaryRevision?.version === '2' ? m.status.canaryRevision.weight : undefined;
        if (weight !== undefined && weights.at(-1)?.weight !== weight) weights.push({ at: Date.now(), weight });
        return isReadyNow(m) && m.status?.stableRevision?.version === '2' && !m.status.canaryRevision;
      },
      6 * 60_000,
    );
    const seconds = round((Date.now() - applied) / 1000);
    weights.push({ at: Date.now(), weight: 100 });
    this.summary.canary = { completed: true, weightsSeen: [...new Set(weights.map((w) => w.weight))], shares: [], seconds };

    say('');
    say(`Version 2 rolled out in ${seconds}s. Answers the client got from version 2, per weight:`);
    const stepWeights = new Set((md.spec.rollout?.steps ?? []).flatMap((step) => (step.setWeight !== undefined ? [step.setWeight] : [])));
    for (let i = 0; i + 1 < weights.length; i++) {
      const { weight, at } = weights[i]!;
      if (weight === 0 || weight === 100) continue;
      const counts = await this.traffic.versionsBetween(at, weights[i + 1]!.at);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const share = total === 0 ? 0 : (counts['2'] ?? 0) / total;
      this.summary.canary.shares.push({ weight, candidateShare: round(share), answers: total });
      const note = stepWeights.has(weight) ? `setWeight ${weight} step` : 'on the way, while pods start and stop';
      say(`  weight ${String(weight).padStart(3)}%: ${(share * 100).toFixed(0).padStart(3)}% of ${String(total).padStart(4)} answers   (${note})`);
    }
    await this.printEvents(applied);
    const history = md.status?.history?.at(-1);
    say(`status.history: revision ${history?.revision} version ${history?.version} ${history?.outcome} (${history?.reason})`);
    const analysis = md.status?.analysis;
    this.claim(`the canary went through weights ${this.summary.canary.weightsSeen.join(' -> ')} and completed`, this.summary.canary.weightsSeen.includes(25) && this.summary.canary.weightsSeen.includes(50));
    this.claim(
      `analysis judged version 2 from the pods' own metrics: ${analysis?.successful ?? 0} successful, ${analysis?.failed ?? 0} failed, ${analysis?.inconclusive ?? 0} inconclusive measurements`,
      (analysis?.successful ?? 0) > 0,
    );
    const totals = await this.traffic.snapshot();
    this.claim(`no failed requests so far: ${totals.ok} answered, ${totals.failed} failed`, totals.failed === 0);
    await this.predict('2');
  }

  // ------------------------------------------------------------------------------------------------------
  // 6. broken version

  private async brokenV3(): Promise<void> {
    const { v2, v3 } = this.models!;
    writeBrokenModel(v2, v3);
    say(`Model version 3: ${v3.what}`);
    say(`  ${v3.path} -> ${v3.uri} (${copyIntoClaim(this.claimDir(), v3)})`);
    say(`  sha256 pinned: ${v3.sha256}`);
    const { path } = writeManifest(this.options.dir, v3);
    say(`$ kubectl apply -f ${path}`);
    const applied = Date.now();
    await this.k.kubectlOk(['apply', '-f', path]);
    const md = await this.follow(
      'version 3 to be rolled back automatically',
      (m) => {
        const last = m.status?.history?.at(-1);
        return (
          m.status?.observedGeneration === m.metadata.generation &&
          last?.version === '3' &&
          last.outcome === 'RolledBack' &&
          !m.status?.canaryRevision &&
          isTrue(m, 'Degraded')
        );
      },
      4 * 60_000,
    );
    const rolledBackAt = Date.now();
    const seconds = round((rolledBackAt - applied) / 1000);
    const last = md.status!.history!.at(-1)!;
    const degraded = condition(md, 'Degraded');
    say('');
    say(`Rolled back ${seconds}s after the apply.`);
    say(`  conditions: ${conditionsText(md)}`);
    say(`  Degraded: ${degraded?.reason}: ${degraded?.message}`);
    say(`  status.history: revision ${last.revision} version ${last.version} ${last.outcome} (${last.reason})`);
    say(`  spec.model.version is still "3": the spec is yours (or your GitOps tool's); Modelship holds it rolled back until it changes or modelship.io/retry is set`);
    const events = await this.printEvents(applied);
    const rolledBackEvent = events.find((e) => e.reason === 'RolledBack');
    this.summary.rollback = {
      happened: true,
      reason: last.reason,
      ...(last.message ? { message: last.message } : {}),
      ...(rolledBackEvent ? { event: `${rolledBackEvent.reason}: ${rolledBackEvent.note}` } : {}),
      seconds,
      ...(md.status?.stableRevision?.version ? { stableVersion: md.status.stableRevision.version } : {}),
    };
    say(`$ kubectl modelship history ${NAME} -n ${NAMESPACE}`);
    const history = await this.k.plugin(['history', NAME, '-n', NAMESPACE]);
    say(`  ${(history.stdout || history.stderr).trimEnd().replaceAll('\n', '\n  ')}`);
    if (history.code !== 0) throw new DemoError(`kubectl modelship history exited ${history.code}`);
    this.claim(`version 3 was rolled back automatically (${last.reason}) in ${seconds}s`, true);
    this.claim('a RolledBack Event was recorded', rolledBackEvent !== undefined);
    this.claim(`version 2 is still the stable revision (${md.status?.stableRevision?.readyReplicas ?? 0}/${REPLICAS} pods ready)`, md.status?.stableRevision?.version === '2');

    say('Letting the client run 5s more against the rolled-back ModelDeployment...');
    await sleep(5000);
    const after = await this.traffic!.versionsBetween(rolledBackAt, Date.now());
    const totals = await this.stopTraffic();
    this.claim(`after the rollback every answer came from version 2 (${JSON.stringify(after)})`, Object.keys(after).length === 1 && (after['2'] ?? 0) > 0);
    this.claim(`version 3 never answered a request`, (totals?.byVersion['3'] ?? 0) === 0);
    this.claim(
      `0 failed requests during both rollouts: ${totals?.ok} answered (${Object.entries(totals?.byVersion ?? {}).map(([v, n]) => `v${v}: ${n}`).join(', ')}), ${totals?.failed} failed`,
      totals?.failed === 0,
    );
    for (const failure of totals?.failures ?? []) say(`  failed: ${failure}`);
  }

  // ------------------------------------------------------------------------------------------------------
  // 7. summary

  private printSummary(): void {
    const failed = this.summary.claims.filter((c) => !c.ok);
    say(`${this.summary.claims.length - failed.length}/${this.summary.claims.length} checks passed in ${elapsed()}`);
    for (const phase of this.summary.phases) say(`  ${phase.name.padEnd(62)} ${phase.seconds.toFixed(1).padStart(6)}s`);
    if (failed.length > 0) throw new DemoError(`these checks failed:\n${failed.map((c) => `  ${c.text}`).join('\n')}`);
  }

  async finish(summary: DemoSummary): Promise<void> {
    if (!this.cluster) return;
    if (this.options.keep || this.cluster.background) {
      say('');
      say('The cluster keeps running. Try:');
      say(`  export KUBECONFIG=${this.cluster.kubeconfigPath}`);
      const path = pluginPath().split(delimiter).slice(0, 4).join(delimiter);
      say(`  export PATH="${path}:$PATH"     # the plugin (bin/), kubectl, helm and Node 24`);
      say(`  kubectl get md -n ${NAMESPACE}`);
      say(`  kubectl modelship status ${NAME} -n ${NAMESPACE}`);
      say(`  kubectl modelship predict ${NAME} -n ${NAMESPACE} -d '{"instances": [[${DIABETES_ROWS[0]!.features.join(', ')}]]}'`);
      say(`Stop it with: npm run cluster:down -- --dir ${this.cluster.dir}`);
      process.stdout.write(`export KUBECONFIG=${this.cluster.kubeconfigPath}\n`);
      return;
    }
    say('');
    say('Stopping the cluster...');
    try {
      await this.cluster.stop();
      say(`Cluster stopped; its logs stay in ${this.cluster.logsDir} and ${this.cluster.podsDir}`);
    } catch (error) {
      summary.ok = false;
      say(`stopping the cluster failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async stopTraffic(): Promise<TrafficTotals | undefined> {
    if (!this.traffic) return this.summary.traffic;
    const traffic = this.traffic;
    this.traffic = undefined;
    try {
      this.summary.traffic = await traffic.stop();
    } catch (error) {
      say(`stopping the client pod failed: ${error instanceof Error ? error.message : String(error)}`);
      this.summary.traffic = await traffic.snapshot().catch(() => undefined);
    }
    return this.summary.traffic;
  }

  logHints(): string[] {
    if (!this.kube || !this.cluster) {
      const logs = join(this.options.dir, 'logs');
      return existsSync(logs) ? [`control-plane logs: ${logs}/`] : [];
    }
    const hints: string[] = [];
    const operatorLogs = this.kube.podLogs(OPERATOR_NAMESPACE);
    if (operatorLogs.length > 0) hints.push(`operator log: ${operatorLogs.join(', ')}`);
    const runtimeLogs = this.kube.podLogs(NAMESPACE, `${NAME}-`);
    if (runtimeLogs.length > 0) hints.push(`model pod logs (fetch and runtime): ${this.cluster.podsDir}/${NAMESPACE}_${NAME}-*/logs/`);
    hints.push(`kubelet log: ${join(this.cluster.logsDir, 'kubelet.log')}`);
    hints.push(`controller-manager log: ${join(this.cluster.logsDir, 'kube-controller-manager.log')}`);
    if (this.options.keep) hints.push(`kubectl --kubeconfig ${this.cluster.kubeconfigPath} get md ${NAME} -n ${NAMESPACE} -o yaml`);
    else hints.push('run again with --keep to leave the cluster running for a look around');
    return hints;
  }

  // ------------------------------------------------------------------------------------------------------
  // helpers

  /**
   * Polls the ModelDeployment until `done`, printing a status line whenever the rollout moves (weight, step,
   * ready pods, analysis, conditions), with the background client's running totals.
   */
  private async follow(what: string, done: (md: ModelDeployment) => boolean, timeoutMs: number): Promise<ModelDeployment> {
    let last: ModelDeployment | undefined;
    let lastKey = '';
    let lastPrinted = 0;
    const started = Date.now();
    const print = async (md: ModelDeployment | undefined): Promise<void> => {
      const traffic = await this.traffic?.snapshot();
      const trafficText = traffic ? ` | client: ${traffic.ok} ok, ${traffic.failed} failed` : '';
      say(`  +${elapsed(started).padStart(6)} ${statusLine(md)}${trafficText}`);
      lastPrinted = Date.now();
    };
    return waitFor(
      what,
      async () => {
        const md = await this.k.getModelDeployment(NAMESPACE, NAME);
        last = md;
        if (!md) return undefined;
        const key = statusKey(md);
        if (key !== lastKey || Date.now() - lastPrinted > 15_000) {
          lastKey = key;
          await print(md);
        }
        return done(md) ? md : undefined;
      },
      { timeoutMs, intervalMs: 500, describe: () => statusLine(last), hints: () => [] },
    );
  }

  /** Prints the ModelDeployment's Events last seen at or after `since` (ms since the epoch); returns them. */
  private async printEvents(since: number): Promise<DemoEvent[]> {
    // Events are written after status in a reconcile pass; give the last one a moment to land.
    await sleep(1000);
    const events = (await this.k.eventsFor(NAMESPACE, 'ModelDeployment', NAME)).filter((event) => Date.parse(event.time) >= since - 1000);
    say('Events:');
    for (const event of events) {
      const note = event.note.length > 180 ? `${event.note.slice(0, 180)}…` : event.note;
      say(`  ${event.type.padEnd(7)} ${event.reason.padEnd(20)} ${note}${event.count > 1 ? ` (x${event.count})` : ''}`);
    }
    if (events.length === 0) say('  (none)');
    return events;
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
