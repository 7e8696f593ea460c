// Requests that stay in flight while costing the model almost nothing: each client sends its headers and all
// but the last byte of a one-row inference body, holds the request open for `holdMs`, then sends the last
// byte and reads the answer. That is a slow uploader (a phone on a bad network), which the runtime counts in
// modelship_inflight_requests from the moment it starts reading the request; its CPU stays near idle, so
// a scale-up can only come from the in-flight metric. Each request has its own connection, so kube-proxy
// picks a pod per request, as it does for SteadyTraffic.
import { request } from 'node:http';
import { INFER_BODY, sleep } from '../rollout/harness.ts';

export interface SlowSummary {
  sent: number;
  ok: number;
  failures: string[];
}

export class SlowRequests {
  private stopping = false;
  private running: Promise<unknown> | undefined;
  private readonly summary: SlowSummary = { sent: 0, ok: 0, failures: [] };
  private readonly address: string;
  private readonly model: string;
  private readonly concurrency: number;
  private readonly holdMs: number;

  constructor(address: string, model: string, opts: { concurrency: number; holdMs: number }) {
    this.address = address;
    this.model = model;
    this.concurrency = opts.concurrency;
    this.holdMs = opts.holdMs;
  }

  start(): void {
    const loops: Array<Promise<void>> = [];
    for (let i = 0; i < this.concurrency; i++) loops.push(this.loop());
    this.running = Promise.all(loops);
  }

  async stop(): Promise<SlowSummary> {
    this.stopping = true;
    await this.running;
    return { ...this.summary, failures: [...this.summary.failures] };
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      this.summary.sent++;
      const status = await this.one().catch((error: unknown) => String(error));
      if (status === 200) this.summary.ok++;
      else this.summary.failures.push(String(status));
    }
  }

  private one(): Promise<number> {
    const body = Buffer.from(INFER_BODY);
    const url = new URL(`http://${this.address}/v2/models/${this.model}/infer`);
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': body.length, connection: 'close' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write(body.subarray(0, -1));
      sleep(this.holdMs).then(() => req.end(body.subarray(-1)), reject);
    });
  }
}
