import { HttpMethod, IsomorphicFetchHttpLibrary, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { ApiError } from './errors.ts';

const AUTH_REFRESH_MS = 60_000;
/**
 * How long any one request may take unless its caller bounds it more tightly. Without a deadline a request
 * to a frozen or unreachable API server hangs for as long as TCP keeps the connection, and everything
 * waiting on it (a reconcile, a status write, a lease renewal) hangs too.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** This request's deadline, where the client's default does not fit it (a large list). */
  timeoutMs?: number;
}

export interface StreamResponse {
  statusCode: number;
  body: ReadableStream<Uint8Array> | null;
}

/** Observes every request, for the write counters in tests and metrics. */
export type RequestHook = (method: string, path: string, statusCode: number) => void;

/**
 * A thin JSON client over the API server's REST paths. It reuses client-node
 * for what is hard (kubeconfig, TLS, tokens, exec plugins) and keeps objects as
 * the server sent them: list, watch and patch answers all have the same plain
 * JSON shape, so the informer cache and the apply diff compare like with like.
 */
export class KubeClient {
  readonly kubeConfig: KubeConfig;
  private readonly http = new IsomorphicFetchHttpLibrary();
  private readonly server: string;
  onRequest: RequestHook | undefined;
  private auth: { headers: Record<string, string>; dispatcher: Dispatcher | undefined; at: number } | undefined;
  private authPending: Promise<{ headers: Record<string, string>; dispatcher: Dispatcher | undefined }> | undefined;
  /** Sent as User-Agent, so audit logs and apiserver metrics tell our requests apart. */
  readonly userAgent: string;

  /** The deadline of each request; for a watch, of its response headers (the stream itself may last). */
  readonly requestTimeoutMs: number;

  constructor(kubeConfig: KubeConfig, userAgent = 'modelship', requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS) {
    this.kubeConfig = kubeConfig;
    this.userAgent = userAgent;
    this.requestTimeoutMs = requestTimeoutMs;
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
  }

  async request<T>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    const deadline = this.deadline(opts.signal, timeoutMs);
    try {
      const res = await this.send(method, path, { ...opts, signal: deadline.signal });
      const text = await res.body.text();
      this.onRequest?.(method, path, res.httpStatusCode);
      if (res.httpStatusCode < 200 || res.httpStatusCode >= 300) throw toApiError(res.httpStatusCode, text);
      return (text ? JSON.parse(text) : {}) as T;
    } catch (err) {
      throw deadline.timedOut() ? new RequestTimeoutError(method, path, timeoutMs) : err;
    } finally {
      deadline.clear();
    }
  }

  /**
   * A request whose body is read as it arrives (watches). The deadline covers the response headers only;
   * the caller's signal (and the server's timeoutSeconds) bound the stream.
   */
  async stream(path: string, opts: RequestOptions = {}): Promise<StreamResponse> {
    const deadline = this.deadline(opts.signal, this.requestTimeoutMs, true);
    try {
      const res = await this.send(HttpMethod.GET, path, { ...opts, signal: deadline.signal });
      deadline.clear();
      this.onRequest?.('WATCH', path, res.httpStatusCode);
      if (res.httpStatusCode !== 200) throw toApiError(res.httpStatusCode, await res.body.text());
      return { statusCode: res.httpStatusCode, body: res.body.stream() };
    } catch (err) {
      throw deadline.timedOut() ? new RequestTimeoutError('WATCH', path, this.requestTimeoutMs) : err;
    } finally {
      deadline.clear();
    }
  }

  /**
   * A signal that aborts at the request deadline or with the caller's signal. `clear` stops the clock; for
   * a stream it also leaves the signal alive so that only the caller can end the body afterwards.
   */
  private deadline(caller: AbortSignal | undefined, timeoutMs: number, keepsStreaming = false): RequestDeadline {
    const controller = new AbortController();
    let expired = false;
    const onCallerAbort = () => controller.abort(caller?.reason);
    if (caller?.aborted) onCallerAbort();
    else caller?.addEventListener('abort', onCallerAbort, { once: true });
    const timer = setTimeout(() => {
      expired = true;
      controller.abort(new Error(`request timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    return {
      signal: controller.signal,
      timedOut: () => expired,
      clear: () => {
        clearTimeout(timer);
        if (!keepsStreaming) caller?.removeEventListener('abort', onCallerAbort);
      },
    };
  }

  /**
   * Headers and connection pool for the next request. client-node builds a
   * new connection pool for every request it authenticates, which costs a TLS
   * handshake per call and leaks sockets until they idle out; we keep the
   * first pool for good and refresh only the headers (tokens rotate) each minute.
   */
  private async authentication(): Promise<{ headers: Record<string, string>; dispatcher: Dispatcher | undefined }> {
    const now = Date.now();
    if (this.auth && now - this.auth.at < AUTH_REFRESH_MS) return this.auth;
    this.authPending ??= (async () => {
      const probe = new RequestContext(this.server, HttpMethod.GET);
      await this.kubeConfig.applySecurityAuthentication(probe);
      this.auth = { headers: probe.getHeaders(), dispatcher: this.auth?.dispatcher ?? probe.getDispatcher(), at: Date.now() };
      return this.auth;
    })().finally(() => {
      this.authPending = undefined;
    });
    return this.authPending;
  }

  get<T>(path: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>(HttpMethod.GET, path, opts);
  }

  create<T>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>(HttpMethod.POST, path, { ...opts, body });
  }

  replace<T>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>(HttpMethod.PUT, path, { ...opts, body });
  }

  /** Server-side apply: `body` is the full intent of `fieldManager`; force takes fields over from others. */
  apply<T>(path: string, body: unknown, fieldManager: string, force = true): Promise<T> {
    return this.request<T>(HttpMethod.PATCH, path, {
      body,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager, force },
    });
  }

  mergePatch<T>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>(HttpMethod.PATCH, path, { ...opts, body, contentType: 'application/merge-patch+json' });
  }

  delete<T>(path: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>(HttpMethod.DELETE, path, opts);
  }

  private async send(method: HttpMethod, path: string, opts: RequestOptions) {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const ctx = new RequestContext(url.toString(), method);
    const auth = await this.authentication();
    for (const [k, v] of Object.entries(auth.headers)) ctx.setHeaderParam(k, v);
    if (auth.dispatcher) ctx.setDispatcher(auth.dispatcher);
    ctx.setHeaderParam('Accept', 'application/json');
    ctx.setHeaderParam('User-Agent', this.userAgent);
    if (opts.body !== undefined) {
      ctx.setHeaderParam('Content-Type', opts.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(opts.body));
    }
    if (opts.signal) ctx.setSignal(opts.signal);
    return this.http.send(ctx).toPromise();
  }
}

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

interface RequestDeadline {
  signal: AbortSignal;
  timedOut(): boolean;
  clear(): void;
}

/** The API server did not answer within the request deadline. */
export class RequestTimeoutError extends Error {
  override name = 'RequestTimeoutError';
  constructor(method: string, path: string, timeoutMs: number) {
    super(`${method} ${path}: no answer from the API server within ${timeoutMs} ms`);
  }
}

function toApiError(statusCode: number, text: string): ApiError {
  try {
    const status = JSON.parse(text) as { message?: string; reason?: string };
    return new ApiError(statusCode, status.message ?? text, status.reason);
  } catch {
    return new ApiError(statusCode, text || `HTTP ${statusCode}`);
  }
}
