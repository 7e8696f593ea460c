// A steady inference client that runs INSIDE a pod (client-pod.ts mounts this file from a ConfigMap and
// runs it with the image's node): `CONCURRENCY` loops each POST `BODY` to `TARGET_URL` (a Service's
// ClusterIP), one after another with `GAP_MS` between, and count every answer by model version. Each
// request opens its own connection (agent: false, `connection: close`), so kube-proxy picks a backend per
// request, as it does per connection. Node built-ins only: the file runs without node_modules.
//
// On :8080 it answers GET /healthz, GET /summary, GET /versions?from=&to= (ms since the epoch) and
// POST /stop (ends the loops, answers the final summary).
import { createServer, request } from 'node:http';

const target = new URL(process.env.TARGET_URL ?? '');
const body = process.env.BODY ?? '';
const headers: Record<string, string> = { 'content-type': 'application/json', connection: 'close', ...(JSON.parse(process.env.HEADERS ?? '{}') as Record<string, string>) };
const concurrency = Number(process.env.CONCURRENCY ?? '2');
const gapMs = Number(process.env.GAP_MS ?? '20');

const totals = { sent: 0, ok: 0, failed: 0, byVersion: {} as Record<string, number>, failures: [] as string[] };
/** [time, version] of every answered request, for shares over a time window. */
const answers: Array<[number, string]> = [];
let stopping = false;

interface Outcome {
  version?: string;
  failure?: string;
}

function send(): Promise<Outcome> {
  return new Promise((resolve) => {
    const call = request(target, { method: 'POST', headers, agent: false, timeout: 10_000 }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) return resolve({ failure: `HTTP ${response.statusCode} ${text.slice(0, 200)}` });
        try {
          const version = (JSON.parse(text) as { model_version?: string }).model_version;
          resolve(version === undefined ? { failure: 'no model_version in the answer' } : { version });
        } catch {
          resolve({ failure: `not JSON: ${text.slice(0, 200)}` });
        }
      });
      response.on('error', (error) => resolve({ failure: error.message }));
    });
    call.on('timeout', () => call.destroy(new Error('no answer in 10s')));
    call.on('error', (error: NodeJS.ErrnoException) => resolve({ failure: error.code ?? error.message }));
    call.end(body);
  });
}

async function loop(): Promise<void> {
  while (!stopping) {
    totals.sent += 1;
    const outcome = await send();
    if (outcome.version !== undefined) {
      totals.ok += 1;
      totals.byVersion[outcome.version] = (totals.byVersion[outcome.version] ?? 0) + 1;
      answers.push([Date.now(), outcome.version]);
    } else {
      totals.failed += 1;
      if (totals.failures.length < 20) totals.failures.push(`${new Date().toISOString()} ${outcome.failure}`);
    }
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
}

const loops = Array.from({ length: concurrency }, () => loop());

function versionsBetween(from: number, to: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [at, version] of answers) if (at >= from && at < to) out[version] = (out[version] ?? 0) + 1;
  return out;
}

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://client');
  const reply = (value: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  if (url.pathname === '/healthz') return reply({ ok: true });
  if (url.pathname === '/summary') return reply(totals);
  if (url.pathname === '/versions') return reply(versionsBetween(Number(url.searchParams.get('from') ?? 0), Number(url.searchParams.get('to') ?? Date.now())));
  if (url.pathname === '/stop' && req.method === 'POST') {
    stopping = true;
    void Promise.all(loops).then(() => reply(totals));
    return;
  }
  res.writeHead(404).end();
}).listen(8080, '0.0.0.0');
