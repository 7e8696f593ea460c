import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { ExecutionProvider } from '../inference/messages.ts';
import type { RuntimeSettings } from '../server/start-runtime.ts';
import { envOption, fraction, integerAtLeast, nonNegativeNumber, sha256Digest } from './env-option.ts';
import { DEFAULT_MAX_ELEMENTS, defaultMaxRows } from '../protocol/request-limits.ts';

const MAX_DEFAULT_WORKERS = 4;

interface ServeFlags {
  model?: string;
  name?: string;
  modelVersion: string;
  sha256?: string;
  host: string;
  port: number;
  grpcPort: number | 'off';
  threads?: number;
  intraOpThreads?: number;
  inferenceNiceness: number;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  maxQueueSize: number;
  maxBodyBytes: number;
  maxRequestRows?: number;
  maxRequestElements: number;
  headersTimeoutSeconds: number;
  requestTimeoutSeconds: number;
  keepAliveTimeoutSeconds: number;
  authTokenFile?: string;
  executionProvider: ExecutionProvider;
  injectErrorRate: number;
  predictionSummaries: 'on' | 'off';
  drainTimeoutSeconds: number;
  logLevel: string;
}

export function serveCommand(): Command {
  const command = new Command('serve')
    .description('serve one ONNX model over the Open Inference Protocol v2 and V1')
    .argument('[modelPath]', 'model file (same as --model)');
  for (const addOptions of [modelOptions, listenerOptions, inferenceOptions, requestLimitOptions, timeoutOptions, operationOptions]) {
    addOptions(command);
  }
  return command
    .action(async (modelPath: string | undefined, flags: ServeFlags) => {
      const settings = settingsFrom(modelPath, flags);
      const { startRuntime } = await import('../server/start-runtime.ts');
      await startRuntime(settings);
    });
}

/** Which model, under which name and version, verified how. */
function modelOptions(command: Command): Command {
  return command
    .addOption(envOption('--model <path>', 'model file to serve'))
    .addOption(envOption('--name <name>', 'served model name (default: the file name without extension)'))
    .addOption(envOption('--model-version <version>', 'served model version').default('1'))
    .addOption(envOption('--sha256 <hex>', 'refuse to serve a model file whose sha256 differs').argParser(sha256Digest));
}

/** Where the API, probes, metrics and gRPC listen. */
function listenerOptions(command: Command): Command {
  return command
    .addOption(envOption('--host <address>', 'address to listen on').default('0.0.0.0'))
    .addOption(envOption('--port <port>', 'port for the API, probes and metrics').default(8080).argParser(integerAtLeast(0)))
    .addOption(
      envOption('--grpc-port <port>', "port for the Open Inference Protocol over gRPC and grpc.health.v1, or 'off'")
        .default(8081)
        .argParser(portOrOff),
    );
}

/** How inference runs: threads, their priority, batching, queueing, execution provider. */
function inferenceOptions(command: Command): Command {
  return command
    .addOption(envOption('--threads <n>', 'inference worker threads, each with its own session (default: one per CPU, at most 4)').argParser(integerAtLeast(1)))
    .addOption(
      envOption('--intra-op-threads <n>', "onnxruntime threads per worker (default: the CPUs divided among workers)").argParser(
        integerAtLeast(1),
      ),
    )
    .addOption(
      envOption(
        '--inference-niceness <n>',
        'run inference threads this much below the HTTP thread (Linux nice, 0-19): keeps probes prompt when inference saturates the CPUs, at the cost of inference share against other processes',
      )
        .default(0)
        .argParser(integerAtLeast(0)),
    )
    .addOption(envOption('--max-batch-size <n>', 'most rows per batch; 1 disables batching').default(32).argParser(integerAtLeast(1)))
    .addOption(
      envOption('--max-queue-delay-ms <ms>', 'hold a batch back up to this long to fill it; 0 adds no delay')
        .default(0)
        .argParser(nonNegativeNumber),
    )
    .addOption(
      envOption('--max-queue-size <n>', 'requests that may wait for a worker before new ones get 429')
        .default(1024)
        .argParser(integerAtLeast(1)),
    )
    .addOption(envOption('--execution-provider <provider>', 'cpu, or cuda (falls back to cpu with a warning when unavailable)').default('cpu').choices(['cpu', 'cuda']));
}

/** How much one request may carry (issue 11: one valid request must not stall the pod). */
function requestLimitOptions(command: Command): Command {
  return command
    .addOption(envOption('--max-body-bytes <n>', 'largest request body accepted (413 beyond)').default(64 * 1024 * 1024).argParser(integerAtLeast(1)))
    .addOption(envOption('--max-request-rows <n>', 'most rows in one request (413 beyond; default: 16 batches, at least 1024)').argParser(integerAtLeast(1)))
    .addOption(
      envOption('--max-request-elements <n>', 'most tensor elements in one request, all inputs together (413 beyond)')
        .default(DEFAULT_MAX_ELEMENTS)
        .argParser(integerAtLeast(1)),
    );
}

/** How long slow peers may take, and how long shutdown waits for in-flight requests. */
function timeoutOptions(command: Command): Command {
  return command
    .addOption(envOption('--headers-timeout-seconds <s>', 'close connections whose request headers take longer (408)').default(10).argParser(positiveNumber))
    .addOption(envOption('--request-timeout-seconds <s>', 'close connections whose whole request takes longer to arrive (408)').default(30).argParser(positiveNumber))
    .addOption(envOption('--keep-alive-timeout-seconds <s>', 'close keep-alive connections idle this long (above load balancers\' 60 s)').default(65).argParser(positiveNumber))
    .addOption(
      envOption('--drain-timeout-seconds <s>', 'on SIGTERM, how long to wait for in-flight requests').default(30).argParser(nonNegativeNumber),
    );
}

/** Authentication, chaos testing and logging. */
function operationOptions(command: Command): Command {
  return command
    .addOption(envOption('--auth-token-file <path>', 'require "Authorization: Bearer <token>" on model endpoints, token read from this file'))
    .addOption(
      envOption('--inject-error-rate <fraction>', 'chaos testing: answer this fraction of inference requests with 500 "injected failure"')
        .default(0)
        .argParser(fraction),
    )
    .addOption(
      envOption('--prediction-summaries <on|off>', 'count what the model predicts per output, for the operator\'s prediction check and A/B view')
        .default('on')
        .choices(['on', 'off']),
    )
    .addOption(envOption('--log-level <level>', 'pino log level').default('info').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']));
}

function settingsFrom(modelPath: string | undefined, flags: ServeFlags): RuntimeSettings {
  const path = modelPath ?? flags.model;
  if (path === undefined || path === '') throw new Error('a model file is required: serve <modelPath> or --model <path>');
  const cpus = availableParallelism();
  // One single-threaded session per CPU is the most CPU-efficient way to run a CNN-sized model (measured on
  // light_resnet50: ~20% less CPU per image than one session with two intra-op threads, whatever the batch
  // size). Every worker holds its own copy of the model, so beyond four workers the CPUs go to intra-op
  // threads instead. onnxruntime's own default would be every core of the host, not the pod's share.
  const workerThreads = flags.threads ?? Math.min(cpus, MAX_DEFAULT_WORKERS);
  const intraOpThreads = flags.intraOpThreads ?? Math.max(1, Math.floor(cpus / workerThreads));
  return {
    model: {
      name: flags.name ?? basename(path, extname(path)),
      version: flags.modelVersion,
      path,
      sha256: flags.sha256,
      workerThreads,
      intraOpThreads,
      inferenceNiceness: Math.min(19, flags.inferenceNiceness),
      executionProvider: flags.executionProvider,
      maxBatchSize: flags.maxBatchSize,
      maxQueueDelayMs: flags.maxQueueDelayMs,
      maxQueueSize: flags.maxQueueSize,
    },
    host: flags.host,
    port: flags.port,
    grpcPort: flags.grpcPort === 'off' ? undefined : flags.grpcPort,
    maxBodyBytes: flags.maxBodyBytes,
    limits: { maxRows: flags.maxRequestRows ?? defaultMaxRows(flags.maxBatchSize), maxElements: flags.maxRequestElements },
    timeouts: {
      headersMs: flags.headersTimeoutSeconds * 1000,
      requestMs: flags.requestTimeoutSeconds * 1000,
      keepAliveMs: flags.keepAliveTimeoutSeconds * 1000,
    },
    authToken: flags.authTokenFile === undefined ? undefined : readToken(flags.authTokenFile),
    injectErrorRate: flags.injectErrorRate,
    predictionSummaries: flags.predictionSummaries === 'on',
    drainTimeoutMs: flags.drainTimeoutSeconds * 1000,
    logLevel: flags.logLevel,
  };
}

function portOrOff(text: string): number | 'off' {
  return text === 'off' ? 'off' : integerAtLeast(0)(text);
}

function readToken(path: string): string {
  const token = readFileSync(path, 'utf8').trim();
  if (token === '') throw new Error(`auth token file ${path} is empty`);
  return token;
}

function positiveNumber(text: string): number {
  const value = nonNegativeNumber(text);
  if (value === 0) throw new InvalidArgumentError('must be a number > 0');
  return value;
}
