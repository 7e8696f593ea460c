import { HttpMethod, IsomorphicFetchHttpLibrary, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { ApiError } from './errors.ts';

const AUTH_REFRESH_MS = 60_000;

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
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

  constructor(kubeConfig: KubeConfig, userAgent = 'modelship') {
    this.kubeConfig = kubeConfig;
    this.userAgent = userAgent;
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
  }

  async request<T>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, opts);
    const text = await res.body.text();
    this.onRequest?.(method, path, res.httpStatusCode);
    if (res.httpStatusCode < 200 || res.httpStatusCode >= 300) throw toApiError(res.httpStatusCode, text);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** A request whose body is read as it arrives (watches). */
  async stream(path: string, opts: RequestOptions = {}): Promise<StreamResponse> {
    const res = await this.send(HttpMethod.GET, path, opts);
    this.onRequest?.('WATCH', path, res.httpStatusCode);
    if (res.httpStatusCode !== 200) throw toApiError(res.httpStatusCode, await res.body.text());
    return { statusCode: res.httpStatusCode, body: res.body.stream() };
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

function toApiError(statusCode: number, text: string): ApiError {
  try {
    const status = JSON.parse(text) as { message?: string; reason?: string };
    return new ApiError(statusCode, status.message ?? text, status.reason);
  } catch {
    return new ApiError(statusCode, text || `HTTP ${statusCode}`);
  }
}
