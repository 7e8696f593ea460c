import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { envOption, integerAtLeast, nonNegativeNumber, sha256Digest } from './env-option.ts';
import { RUNTIME_NAME } from '../version.ts';

interface FetchFlags {
  uri: string;
  dest: string;
  sha256?: string;
  caFile?: string;
  s3Endpoint?: string;
  pvcRoot: string;
  retries: number;
  retryDelayMs: number;
  timeoutSeconds: number;
  deadlineSeconds: number;
  maxBytes: number;
}

export function fetchCommand(): Command {
  return new Command('fetch')
    .description('download a model to a local file, verifying its sha256 (the init container\'s job)')
    .addOption(envOption('--uri <uri>', 'https://…, s3://bucket/key, file:///path or pvc://claim/path').makeOptionMandatory())
    .addOption(envOption('--dest <file>', 'where to put the model').makeOptionMandatory())
    .addOption(envOption('--sha256 <hex>', 'expected sha256; a mismatch fails without retrying').argParser(sha256Digest))
    .addOption(envOption('--ca-file <path>', 'extra CA certificates (PEM) to trust for https:// (NODE_EXTRA_CA_CERTS works too)'))
    .addOption(envOption('--s3-endpoint <url>', 'S3-compatible endpoint (default: AWS_ENDPOINT_URL_S3, then AWS)'))
    .addOption(envOption('--pvc-root <dir>', 'where persistent volume claims are mounted').default('/mnt/pvc'))
    .addOption(envOption('--retries <n>', 'attempts after the first, with exponential backoff').default(5).argParser(integerAtLeast(0)))
    .addOption(envOption('--retry-delay-ms <ms>', 'backoff before the first retry; doubles each time').default(1000).argParser(nonNegativeNumber))
    .addOption(envOption('--timeout-seconds <s>', 'give up on an attempt when no data arrives for this long').default(60).argParser(nonNegativeNumber))
    .addOption(envOption('--deadline-seconds <s>', 'give up on the whole fetch, retries included, after this long').default(3600).argParser(nonNegativeNumber))
    .addOption(
      // ONNX files are protobuf messages, which cannot exceed 2 GiB; twice that leaves room and still stops a
      // misbehaving server long before it fills the disk.
      envOption('--max-bytes <n>', 'abort a download that grows beyond this many bytes').default(4 * 1024 ** 3).argParser(integerAtLeast(1)),
    )
    .action(async (flags: FetchFlags) => {
      const report = (line: string): void => void process.stderr.write(`${RUNTIME_NAME} fetch: ${line}\n`);
      try {
        // Loaded here so that `serve` never pays for the AWS SDK, nor `fetch` for the server.
        const { fetchModel } = await import('../fetch/fetch-model.ts');
        const result = await fetchModel({
          uri: flags.uri,
          dest: flags.dest,
          sha256: flags.sha256,
          ca: flags.caFile === undefined ? undefined : readFileSync(flags.caFile, 'utf8'),
          s3Endpoint: flags.s3Endpoint,
          pvcRoot: flags.pvcRoot,
          idleTimeoutMs: flags.timeoutSeconds * 1000,
          deadlineMs: flags.deadlineSeconds * 1000,
          maxBytes: flags.maxBytes,
          retry: { retries: flags.retries, baseDelayMs: flags.retryDelayMs, maxDelayMs: 30_000 },
          report,
        });
        const what = result.alreadyPresent ? 'already present' : `fetched ${flags.uri}`;
        report(`${what}: ${flags.dest} (${result.bytes} bytes, sha256 ${result.sha256})`);
      } catch (error) {
        report(`failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
      }
    });
}
