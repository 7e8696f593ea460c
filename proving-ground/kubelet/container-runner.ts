import { constants } from 'node:os';
import type { V1Container } from '@kubernetes/client-node';
import { tailFile } from '../lib/log-tail.ts';
import { processGroupMembers, spawnLogged, stopProcessGroup } from '../lib/processes.ts';
import type { ExitInfo, ManagedProcess } from '../lib/processes.ts';
import { delay } from '../lib/wait.ts';
import { RestartBackoff } from './backoff.ts';
import type { BackoffPolicy } from './backoff.ts';
import { ContainerConfigError } from './env.ts';
import { ImagePullError } from './images.ts';
import { runPreStop } from './prestop.ts';
import { ProbeLoop, runProbe } from './probes.ts';
import type { ContainerStatusRecord, TerminatedState } from './status-types.ts';
import { kubeTime } from './status-types.ts';
import { VolumeSetupError } from './volumes.ts';

/** What to run for one start of a container. */
export type Launch =
  | { kind: 'simulated' }
  | {
      kind: 'process';
      /** The sandbox wrapper (sandbox.ts) that sets up the container and execs its program. */
      command: string;
      args: string[];
      env: Record<string, string>;
      cwd: string;
      /** The image's id, for status.imageID. */
      imageID: string;
    };

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** What a container runner needs from its pod. */
export interface RunnerHost {
  readonly podIP: string;
  /** "name_namespace(uid)", as the kubelet names pods in messages. */
  readonly podLabel: string;
  readonly backoff: BackoffPolicy;
  terminationGraceSeconds(): number;
  prepare(container: V1Container, restartCount: number): Promise<Launch>;
  logPath(containerName: string, restartCount: number): string;
  trackProcessGroup(processGroup: number, running: boolean): void;
  changed(): void;
  log(message: string): void;
}

export type RunOutcome = 'completed' | 'failed' | 'stopped';

/** The kubelet waits at least this long after SIGTERM, even for a grace period of 0. */
const MINIMUM_GRACE_SECONDS = 2;

/**
 * Runs one container of a pod: configure, start, probe, restart with
 * CrashLoopBackOff, stop gracefully. Keeps a ContainerStatus that is always
 * what the API should show.
 */
export class ContainerRunner {
  readonly status: ContainerStatusRecord;
  private readonly host: RunnerHost;
  private readonly container: V1Container;
  private readonly restartPolicy: RestartPolicy;
  private readonly isInit: boolean;
  private readonly backoff: RestartBackoff;
  private readonly pullBackoff: RestartBackoff;
  private readonly wake = new AbortController();
  private process: ManagedProcess | undefined;
  private probes: ProbeLoop[] = [];
  private stopping = false;
  private killInProgress: Promise<void> | undefined;
  private runDone: Promise<RunOutcome> | undefined;

  constructor(host: RunnerHost, container: V1Container, options: { restartPolicy: RestartPolicy; isInit: boolean; waitingReason: string }) {
    this.host = host;
    this.container = container;
    this.restartPolicy = options.restartPolicy;
    this.isInit = options.isInit;
    this.backoff = new RestartBackoff(host.backoff);
    this.pullBackoff = new RestartBackoff(host.backoff);
    this.status = {
      name: container.name,
      image: container.image ?? '',
      imageID: container.image ?? '',
      ready: false,
      started: false,
      restartCount: 0,
      state: { waiting: { reason: options.waitingReason } },
      lastState: {},
    };
  }

  /** Starts the run loop (once) and returns its outcome. */
  run(): Promise<RunOutcome> {
    this.runDone ??= this.loop();
    return this.runDone;
  }

  /**
   * Stops for good: preStop, SIGTERM, up to `graceSeconds`, SIGKILL. Resolves
   * when the process is gone and the run loop has ended.
   */
  async stop(graceSeconds: number): Promise<void> {
    this.stopping = true;
    this.wake.abort();
    if (this.process && !this.process.exitInfo) await this.kill(this.process, graceSeconds);
    if (this.runDone) await this.runDone;
  }

  /** The pod is gone: no preStop, no grace beyond a short SIGTERM. */
  async stopNow(): Promise<void> {
    await this.stop(0);
  }

  private setState(update: Partial<ContainerStatusRecord>): void {
    Object.assign(this.status, update);
    this.host.changed();
  }

  private async loop(): Promise<RunOutcome> {
    while (!this.stopping) {
      let launch: Launch;
      try {
        launch = await this.host.prepare(this.container, this.status.restartCount);
      } catch (error) {
        if (this.stopping) break;
        if (error instanceof ImagePullError) {
          await this.imagePullBackOff(error.message);
          continue;
        }
        if (error instanceof ContainerConfigError || error instanceof VolumeSetupError) {
          // The kubelet retries configuration problems on its sync loop.
          this.setState({ state: { waiting: { reason: 'CreateContainerConfigError', message: error.message } } });
          await delay(2000, this.wake.signal);
          continue;
        }
        const outcome = await this.afterExit(this.startFailed(error), 0);
        if (outcome) return outcome;
        continue;
      }
      if (this.stopping) break;

      if (launch.kind === 'simulated') return this.simulate();
      this.status.imageID = launch.imageID;

      const startedAt = new Date();
      let process: ManagedProcess;
      try {
        process = this.spawn(launch);
      } catch (error) {
        const outcome = await this.afterExit(this.startFailed(error), 0);
        if (outcome) return outcome;
        continue;
      }
      this.process = process;
      this.host.trackProcessGroup(process.pid, true);
      this.setState({
        containerID: `proving-ground://${process.pid}`,
        state: { running: { startedAt: kubeTime(startedAt) } },
        started: false,
        ready: false,
      });
      this.startProbes(process);

      const exit = await process.exit;
      this.stopProbes();
      // Whatever the main process left behind in its group goes too.
      if (processGroupMembers(process.pid).length > 0) await stopProcessGroup(process.pid, 0);
      this.host.trackProcessGroup(process.pid, false);
      this.process = undefined;

      const terminated = this.terminatedState(exit, startedAt, process);
      const outcome = await this.afterExit(terminated, Date.now() - startedAt.getTime());
      if (outcome) return outcome;
    }
    return 'stopped';
  }

  /**
   * Records an exit and decides what comes next: undefined means "start
   * again" (after the back-off, already waited), otherwise the outcome.
   */
  private async afterExit(terminated: TerminatedState, ranForMs: number): Promise<RunOutcome | undefined> {
    this.setState({ state: { terminated }, ready: false, started: false });
    if (this.stopping) return 'stopped';
    const succeeded = terminated.exitCode === 0;
    if (this.isInit && succeeded) return 'completed';
    const restart = this.restartPolicy === 'Always' || (this.restartPolicy === 'OnFailure' && !succeeded);
    if (!restart) return succeeded ? 'completed' : 'failed';

    const waitMs = this.backoff.nextDelay(ranForMs);
    if (waitMs > 0) {
      const reason = terminated.reason === 'StartError' ? 'RunContainerError' : 'CrashLoopBackOff';
      this.setState({
        lastState: { terminated },
        state: {
          waiting: {
            reason,
            message: `back-off ${formatSeconds(waitMs)} restarting failed container=${this.container.name} pod=${this.host.podLabel}`,
          },
        },
      });
      await delay(waitMs, this.wake.signal);
      if (this.stopping) return 'stopped';
    } else {
      this.setState({ lastState: { terminated } });
    }
    this.status.restartCount++;
    return undefined;
  }

  /** ErrImagePull until the next sync, then ImagePullBackOff (10s doubling, as the kubelet's image back-off). */
  private async imagePullBackOff(message: string): Promise<void> {
    this.setState({ state: { waiting: { reason: 'ErrImagePull', message } } });
    await delay(1000, this.wake.signal);
    if (this.stopping) return;
    const waitMs = Math.max(this.pullBackoff.nextDelay(0), 1000);
    this.setState({
      state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image ${JSON.stringify(this.container.image ?? '')}: ErrImagePull: ${message}` } },
    });
    await delay(waitMs, this.wake.signal);
  }

  private startFailed(error: unknown): TerminatedState {
    const message = error instanceof Error ? error.message : String(error);
    this.host.log(`cannot start container ${this.container.name} of ${this.host.podLabel}: ${message}`);
    const now = kubeTime();
    return { exitCode: 128, reason: 'StartError', message, startedAt: now, finishedAt: now };
  }

  /** The PID the kubelet spawned for the running container, if one runs. */
  get runningPid(): number | undefined {
    return this.process?.pid;
  }

  private spawn(launch: Extract<Launch, { kind: 'process' }>): ManagedProcess {
    return spawnLogged({
      name: `${this.host.podLabel}/${this.container.name}`,
      command: launch.command,
      args: launch.args,
      env: launch.env,
      cwd: launch.cwd,
      logPath: this.host.logPath(this.container.name, this.status.restartCount),
    });
  }

  private terminatedState(exit: ExitInfo, startedAt: Date, process: ManagedProcess): TerminatedState {
    const signalNumber = exit.signal ? (constants.signals[exit.signal] ?? 0) : 0;
    const exitCode = exit.code ?? 128 + signalNumber;
    const state: TerminatedState = {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt: kubeTime(startedAt),
      finishedAt: kubeTime(),
      containerID: `proving-ground://${process.pid}`,
    };
    if (exit.signal) state.signal = signalNumber;
    // Like terminationMessagePolicy: FallbackToLogsOnError, always: a failed
    // container explains itself in `kubectl describe`.
    if (exitCode !== 0) {
      const tail = tailFile(process.logPath, 80, 2048);
      if (tail) state.message = tail;
    }
    return state;
  }

  private async simulate(): Promise<RunOutcome> {
    const now = kubeTime();
    if (this.isInit) {
      this.setState({ state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } } });
      return 'completed';
    }
    this.setState({ containerID: `simulated://${this.container.name}`, state: { running: { startedAt: now } }, started: true, ready: true });
    await new Promise<void>((resolve) => {
      if (this.wake.signal.aborted) resolve();
      this.wake.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const finishedAt = kubeTime();
    this.setState({ state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt } }, ready: false, started: false });
    return 'stopped';
  }

  private startProbes(process: ManagedProcess): void {
    const { container } = this;
    const probeTarget = (probe: NonNullable<V1Container['livenessProbe']>) => () => runProbe(probe, container, this.host.podIP);
    const startMain = (): void => {
      this.setState({ started: true, ready: !container.readinessProbe && !this.isInit });
      if (container.livenessProbe) {
        const probe = container.livenessProbe;
        this.addProbe(
          new ProbeLoop('liveness', probe, probeTarget(probe), (passing, message) => {
            if (!passing) this.killForRestart(process, `Liveness probe failed: ${message}`, probe.terminationGracePeriodSeconds);
          }),
        );
      }
      if (container.readinessProbe && !this.isInit) {
        const probe = container.readinessProbe;
        this.addProbe(new ProbeLoop('readiness', probe, probeTarget(probe), (passing) => this.setState({ ready: passing })));
      }
    };
    if (container.startupProbe) {
      const probe = container.startupProbe;
      const startup: ProbeLoop = new ProbeLoop('startup', probe, probeTarget(probe), (passing, message) => {
        if (passing) {
          startup.stop();
          startMain();
        } else {
          this.killForRestart(process, `Startup probe failed: ${message}`, probe.terminationGracePeriodSeconds);
        }
      });
      this.addProbe(startup);
    } else {
      startMain();
    }
  }

  private addProbe(loop: ProbeLoop): void {
    this.probes.push(loop);
    loop.start();
  }

  private stopProbes(): void {
    for (const loop of this.probes) loop.stop();
    this.probes = [];
  }

  private killForRestart(process: ManagedProcess, why: string, graceOverride: number | undefined): void {
    if (this.killInProgress || this.stopping) return;
    this.host.log(`${this.host.podLabel}/${this.container.name}: ${why}; restarting`);
    this.stopProbes();
    void this.kill(process, graceOverride ?? this.host.terminationGraceSeconds());
  }

  /** preStop, SIGTERM to the process group, grace period, SIGKILL. */
  private kill(process: ManagedProcess, graceSeconds: number): Promise<void> {
    this.killInProgress ??= (async () => {
      const graceMs = Math.max(graceSeconds, MINIMUM_GRACE_SECONDS) * 1000;
      const deadline = Date.now() + graceMs;
      const preStop = this.container.lifecycle?.preStop;
      if (preStop && graceSeconds > 0) {
        const budget = AbortSignal.timeout(Math.max(0, graceMs));
        await Promise.race([
          runPreStop(preStop, this.container, this.host.podIP, budget, (message) => this.host.log(message)),
          process.exit,
        ]);
      }
      await stopProcessGroup(process.pid, Math.max(0, deadline - Date.now()));
      await process.exit;
    })().finally(() => {
      this.killInProgress = undefined;
    });
    return this.killInProgress;
  }
}

function formatSeconds(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${seconds % 60}s` : `${seconds}s`;
}
