/**
 * The `kubectl modelship` command line: commands, their options, and how each one talks to the cluster.
 * Rendering (./format.ts), manual-control patches (./controls.ts) and predict bodies (./predict.ts) are pure
 * and tested on their own; this file wires them to the API server.
 */
import { readFile } from 'node:fs/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';
import { dump } from 'js-yaml';
import { API_VERSION, KIND, PLURAL } from '../api/constants.ts';
import { servedModelName } from '../api/defaults.ts';
import type { ModelDeployment } from '../api/types.ts';
import { KubeClient } from '../kube/client.ts';
import { ApiError } from '../kube/errors.ts';
import type { KubeList } from '../kube/object.ts';
import { planControl, type Control } from './controls.ts';
import { CliError } from './errors.ts';
import { renderHistory, renderStatus, type EventView } from './format.ts';
import { latestComparison, renderComparison } from './compare.ts';
import { directTransport, parsePayload, predict, proxyTransport, type Protocol, type Transport } from './predict.ts';

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface Session {
  client: KubeClient;
  namespace: string;
  /** The API server's address, for error messages. */
  server: string;
}

/** Everything the program touches outside itself; tests pass their own. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
  now(): number;
  connect(flags: KubeFlags): Session;
}

/** The current kubeconfig and context, as kubectl would pick them, with the overrides from the flags. */
export function connect(flags: KubeFlags): Session {
  const kc = new KubeConfig();
  try {
    if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    throw new CliError(`cannot read kubeconfig${flags.kubeconfig ? ` ${flags.kubeconfig}` : ''}: ${(err as Error).message}`);
  }
  if (flags.context) {
    if (!kc.getContextObject(flags.context)) {
      const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
      throw new CliError(`context "${flags.context}" not found in kubeconfig (contexts: ${known})`);
    }
    kc.setCurrentContext(flags.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new CliError('the kubeconfig has no current cluster: pick one with `kubectl config use-context` or --context');
  const namespace = flags.namespace || kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
  return { client: new KubeClient(kc), namespace, server: cluster.server };
}

export function defaultIO(): CliIO {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    readFile: (p) => readFile(p, 'utf8'),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    now: () => Date.now(),
    connect,
  };
}

function mdPath(namespace: string, name: string): string {
  const [group, version] = API_VERSION.split('/');
  return `/apis/${group}/${version}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}/${encodeURIComponent(name)}`;
}

async function getModelDeployment(session: Session, name: string): Promise<ModelDeployment> {
  try {
    return await session.client.get<ModelDeployment>(mdPath(session.namespace, name));
  } catch (err) {
    if (err instanceof ApiError && err.statusCode === 404) {
      if (err.message.includes(`"${name}" not found`)) {
        throw new CliError(`modeldeployment "${name}" not found in namespace "${session.namespace}"`);
      }
      throw new CliError(
        `the ModelDeployment API (${API_VERSION}) is not installed in this cluster: install the Modelship chart or crds/ first`,
      );
    }
    throw err;
  }
}

async function listEvents(session: Session, md: ModelDeployment): Promise<EventView[]> {
  const selector = [`involvedObject.kind=${KIND}`, `involvedObject.name=${md.metadata.name}`];
  if (md.metadata.uid) selector.push(`involvedObject.uid=${md.metadata.uid}`);
  try {
    const list = await session.client.get<KubeList<EventView>>(
      `/api/v1/namespaces/${encodeURIComponent(session.namespace)}/events`,
      { query: { fieldSelector: selector.join(',') } },
    );
    return list.items;
  } catch (err) {
    // Events are a nicety: a person allowed to read ModelDeployments but not Events still gets the status.
    if (err instanceof ApiError && err.statusCode === 403) return [];
    throw err;
  }
}

function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text');
}

function print(io: CliIO, format: string, value: unknown, text: () => string): void {
  if (format === 'json') io.stdout(JSON.stringify(value, null, 2) + '\n');
  else if (format === 'yaml') io.stdout(dump(value, { lineWidth: -1 }));
  else io.stdout(text());
}

function parseTimeout(value: string): number {
  const m = /^([0-9]+)(ms|s|m)?$/.exec(value);
  if (!m) throw new InvalidArgumentError('use a duration such as 30s, 2m or 500ms');
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

function buildProgram(io: CliIO): Command {
  const program = new Command('kubectl-modelship')
    .usage('<command> [options]')
    .description('Inspect and drive Modelship ModelDeployments: rollout status, history, manual control, predictions.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError('(run with --help for usage)')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: the current context)')
    .option('-n, --namespace <namespace>', "namespace (default: the context's namespace, or default)");

  const session = (cmd: Command) => {
    const { kubeconfig, context, namespace } = cmd.optsWithGlobals<KubeFlags>();
    return io.connect({
      ...(kubeconfig === undefined ? {} : { kubeconfig }),
      ...(context === undefined ? {} : { context }),
      ...(namespace === undefined ? {} : { namespace }),
    });
  };
  addReadCommands(program, io, session);
  addControlCommands(program, io, session);
  addPredictCommand(program, io, session);
  return program;
}

/** Opens a session with the global flags of the command being run. */
type Connect = (cmd: Command) => ReturnType<CliIO['connect']>;

/** status and history: read-only views of one ModelDeployment. */
function addReadCommands(program: Command, io: CliIO, session: Connect): void {
  program
    .command('status')
    .description('show a rollout: revisions, weights, steps, analysis, conditions and recent events')
    .argument('<name>', 'ModelDeployment name')
    .addOption(outputOption())
    .action(async (name: string, opts: { output: string }, cmd: Command) => {
      const s = session(cmd);
      const md = await getModelDeployment(s, name);
      const events = opts.output === 'text' ? await listEvents(s, md) : [];
      print(io, opts.output, md, () => renderStatus(md, events, io.now()));
    });

  program
    .command('compare')
    .description('A/B view: the stable revision and the candidate side by side (requests, errors, latency, predictions) over the latest analysis interval')
    .argument('<name>', 'ModelDeployment name')
    .addOption(outputOption())
    .action(async (name: string, opts: { output: string }, cmd: Command) => {
      const md = await getModelDeployment(session(cmd), name);
      print(io, opts.output, latestComparison(md) ?? {}, () => renderComparison(md, io.now()));
    });

  program
    .command('history')
    .description('list finished rollouts (promoted, rolled back, aborted) and what serves now')
    .argument('<name>', 'ModelDeployment name')
    .addOption(outputOption())
    .action(async (name: string, opts: { output: string }, cmd: Command) => {
      const md = await getModelDeployment(session(cmd), name);
      print(io, opts.output, md.status?.history ?? [], () => renderHistory(md, io.now()));
    });
}

/** promote, abort, retry, pause, resume, undo: each sets the annotation the operator acts on. */
function addControlCommands(program: Command, io: CliIO, session: Connect): void {
  const control = (command: string, description: string, toControl: (opts: Record<string, unknown>) => Control) =>
    program
      .command(command)
      .description(description)
      .argument('<name>', 'ModelDeployment name')
      .action(async (name: string, opts: Record<string, unknown>, cmd: Command) => {
        const s = session(cmd);
        const md = await getModelDeployment(s, name);
        const plan = planControl(md, toControl(opts), new Date(io.now()));
        if (plan.patch) await s.client.mergePatch(mdPath(s.namespace, name), plan.patch);
        io.stdout(plan.message + '\n');
      });

  control('promote', 'promote the canary to its next step, or with --full all the way to stable', (o) => ({
    kind: 'promote',
    full: o.full === true,
  })).option('--full', 'skip the remaining steps and analysis and promote to 100%');
  control('abort', 'abort the rollout: all traffic back to stable, the candidate scaled down', () => ({ kind: 'abort' }));
  control('retry', 'roll out the current spec again after a rollback or abort', () => ({ kind: 'retry' }));
  control('pause', 'hold the rollout at its current step until resumed', () => ({ kind: 'pause' }));
  control('resume', 'continue a paused rollout', () => ({ kind: 'resume' }));
  control('undo', 'roll back to the previous promoted revision, or the one given', (o) =>
    o.toRevision === undefined ? { kind: 'undo' } : { kind: 'undo', to: String(o.toRevision) },
  ).option('--to-revision <revision>', 'revision number or model version from `history`');
}

function addPredictCommand(program: Command, io: CliIO, session: Connect): void {
  program
    .command('predict')
    .description('send one inference request through the ModelDeployment\'s Service and print the answer')
    .argument('<name>', 'ModelDeployment name')
    .option('-f, --filename <file>', 'request body from a file ("-" for stdin)')
    .option('-d, --data <json>', 'request body inline')
    .addOption(new Option('--v1', 'send a V1 request (POST /v1/models/<model>:predict)').conflicts('v2'))
    .addOption(new Option('--v2', 'send an Open Inference Protocol v2 request (POST /v2/models/<model>/infer)').conflicts('v1'))
    .addOption(new Option('--direct', "send straight to one of the Service's ready pods (only from inside the cluster network)").conflicts('viaProxy'))
    .option('--via-proxy', "go through the API server's service proxy (the default; works wherever the API server is reachable)")
    .option('--service <name>', 'Service to send to, e.g. <name>-canary (default: the ModelDeployment\'s Service)')
    .option('--port <port>', 'Service port name or number (default: its only port, or the one named http)')
    .option('--timeout <duration>', 'request timeout', parseTimeout, 30_000)
    .option('-v, --verbose', 'say which endpoint answered, on stderr')
    .action(async (name: string, opts: PredictOptions, cmd: Command) => {
      if ((opts.filename === undefined) === (opts.data === undefined)) {
        throw new CliError('give the request body with exactly one of -f/--filename or -d/--data', 2);
      }
      const payload = opts.data !== undefined
        ? parsePayload(opts.data, '--data')
        : parsePayload(await readBody(io, opts.filename!), opts.filename === '-' ? 'stdin' : opts.filename!);
      const s = session(cmd);
      const md = await getModelDeployment(s, name);
      const target = { namespace: s.namespace, service: opts.service ?? serviceOf(md), port: opts.port, timeoutMs: opts.timeout };
      const transport: Transport = opts.direct ? await directTransport(s.client, target) : await proxyTransport(s.client, target);
      const forced: Protocol | undefined = opts.v1 ? 'v1' : opts.v2 ? 'v2' : undefined;
      const answer = await predict(transport, servedModelName(md), payload, forced);
      if (opts.verbose) io.stderr(`${answer.protocol} request answered by ${answer.via}${transport.note ? `; ${transport.note}` : ''}\n`);
      io.stdout(answer.text + '\n');
    });
}

interface PredictOptions {
  filename?: string;
  data?: string;
  v1?: boolean;
  v2?: boolean;
  viaProxy?: boolean;
  direct?: boolean;
  service?: string;
  port?: string;
  timeout: number;
  verbose?: boolean;
}

async function readBody(io: CliIO, file: string): Promise<string> {
  if (file === '-') return io.readStdin();
  try {
    return await io.readFile(file);
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The ModelDeployment's main Service: the host of status.url, else the ModelDeployment's own name. */
export function serviceOf(md: ModelDeployment): string {
  const url = md.status?.url;
  if (url) {
    try {
      const host = new URL(url).hostname.split('.')[0];
      if (host) return host;
    } catch {
      // fall through
    }
  }
  return md.metadata.name ?? '';
}

/** Runs the command line and returns the exit status; every failure ends as one `error: …` line. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  let server: string | undefined;
  const program = buildProgram({
    ...io,
    connect(flags) {
      const s = io.connect(flags);
      server = s.server;
      return s;
    },
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // commander already printed the message or help
    io.stderr(`error: ${describeError(err, server)}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}

function describeError(err: unknown, server: string | undefined): string {
  if (err instanceof CliError) return err.message;
  if (err instanceof ApiError) {
    const hint = err.statusCode === 403 ? " (your user lacks the RBAC rights for this; the chart's modelship-edit role grants them)" : '';
    return `${err.message} (HTTP ${err.statusCode})${hint}`;
  }
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code || cause?.message) {
    return `cannot reach the API server${server ? ` at ${server}` : ''}: ${cause.code ?? cause.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}
