/**
 * `node bench/load/rss-after-abuse.ts [checkout]`: how much of the memory a burst of maximum-size requests
 * takes the runtime keeps afterwards. Serves the tiny model from `checkout` (default: this one) with the
 * abuse settings, sends `--requests` maximum-size V1 requests, `--parallel` at a time (default 1: one after
 * the other), then prints the RSS idle, at its peak, right after the last answer and 5 s and 15 s later (the
 * codec thread stops after 10 s idle). Unlike the abuse row of bench:runtime, the number of requests is
 * fixed, so the peak does not move with how many a busy or quiet machine got through.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { rawExchange } from '../../runtime/test-support/raw-http.ts';
import { freePort, spawnServer } from '../servers/spawn-server.ts';
import { abuseFlags, maximumSizeRequest } from './abuse.ts';

const { values: flags, positionals } = parseArgs({ allowPositionals: true, options: { requests: { type: 'string', default: '4' }, parallel: { type: 'string', default: '1' } } });
const here = fileURLToPath(new URL('../..', import.meta.url));
const checkout = positionals[0] ?? here;
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const model = join(here, 'runtime/fixtures/linear_regression.onnx');
const args = [join(checkout, 'runtime/main.ts'), 'serve', model, '--name', 'tiny', '--host', '127.0.0.1', '--port', String(port), '--grpc-port', 'off', '--log-level', 'warn', ...abuseFlags()];
const server = await spawnServer(process.execPath, args, `${base}/v2/health/ready`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
try {
  await sleep(2000);
  const idle = server.rssMiB();
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, server.rssMiB())), 50);
  const statuses: number[] = [];
  const send = async (): Promise<number> => {
    const request = maximumSizeRequest('tiny');
    return (await rawExchange(base, request.head, request.nextChunk)).status;
  };
  for (let sent = 0; sent < Number(flags.requests); sent += Number(flags.parallel)) {
    const at = Math.min(Number(flags.parallel), Number(flags.requests) - sent);
    statuses.push(...(await Promise.all(Array.from({ length: at }, send))));
  }
  const after = server.rssMiB();
  await sleep(5000);
  const after5 = server.rssMiB();
  await sleep(10_000);
  clearInterval(sampler);
  const mib = (value: number) => Math.round(value);
  console.log(
    `${checkout}: answers ${statuses.join(',')}; RSS MiB idle ${mib(idle)}, peak ${mib(peak)}, after ${mib(after)}, 5 s later ${mib(after5)}, 15 s later ${mib(server.rssMiB())}`,
  );
} finally {
  await server.stop();
}
