// A small Kubernetes REST client over node:https. The kubelet and the node
// agent use it instead of @kubernetes/client-node because they need exact
// control over what they send (merge patches of the status subresource,
// watches with field selectors, one request per intended write) and nothing
// more.
import { Agent, request } from 'node:https';
import { ApiError } from '../../src/kube/errors.ts';
import type { IncomingMessage } from 'node:http';

export interface ApiClientOptions {
  /** https://127.0.0.1:6443 */
  server: string;
  certificateAuthorityPem: string;
  clientCertificatePem: string;
  clientKeyPem: string;
  userAgent?: string;
}

export interface Status {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
}

// One ApiError for the operator, the CLI and the proving ground.
export { ApiError, isConflict, isNotFound } from '../../src/kube/errors.ts';

/** The error the API server's answer describes, with the request in its message. */
function apiError(method: string, path: string, statusCode: number, body: Status | string): ApiError {
  const message = typeof body === 'string' ? body : (body.message ?? JSON.stringify(body));
  return new ApiError(statusCode, `${method} ${path}: ${statusCode} ${message}`, typeof body === 'string' ? undefined : body.reason);
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';

export function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export class ApiClient {
  readonly server: string;
  private readonly agent: Agent;
  private readonly userAgent: string;

  constructor(options: ApiClientOptions) {
    this.server = options.server.replace(/\/$/, '');
    this.userAgent = options.userAgent ?? 'modelship-proving-ground';
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 32,
      ca: options.certificateAuthorityPem,
      cert: options.clientCertificatePem,
      key: options.clientKeyPem,
    });
  }

  close(): void {
    this.agent.destroy();
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    const text = await readBody(response);
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) throw apiError(method, path, status, parseJson(text) ?? text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  create<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  mergePatch<T>(path: string, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body: patch, contentType: MERGE_PATCH });
  }

  delete<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('DELETE', path, { body });
  }

  /**
   * Streams watch events until the server ends the watch, the signal aborts,
   * or the connection fails (then it rejects). The caller handles 410 Gone
   * (an ERROR event with code 410) by listing again.
   */
  async watch<T>(path: string, query: Query, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    const response = await this.send('GET', path, { query: { ...query, watch: true }, signal, timeoutMs: 0 });
    const status = response.statusCode ?? 0;
    if (status !== 200) {
      const text = await readBody(response);
      throw apiError('WATCH', path, status, parseJson(text) ?? text);
    }
    await new Promise<void>((resolve, reject) => {
      let pending = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        pending += chunk;
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, newline).trim();
          pending = pending.slice(newline + 1);
          if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
        }
      });
      response.on('end', () => resolve());
      response.on('close', () => resolve());
      response.on('error', (error) => (signal.aborted ? resolve() : reject(error)));
    });
  }

  private send(method: string, path: string, options: RequestOptions): Promise<IncomingMessage> {
    const url = new URL(this.server + withQuery(path, options.query));
    const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method,
        agent: this.agent,
        signal: options.signal,
        headers: {
          accept: 'application/json',
          'user-agent': this.userAgent,
          ...(body ? { 'content-type': options.contentType ?? 'application/json', 'content-length': body.length } : {}),
        },
      });
      const timeoutMs = options.timeoutMs ?? 30_000;
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url.pathname} took longer than ${timeoutMs}ms`)));
      }
      req.on('response', resolve);
      req.on('error', reject);
      req.end(body);
    });
  }
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

function parseJson(text: string): Status | undefined {
  try {
    return JSON.parse(text) as Status;
  } catch {
    return undefined;
  }
}
