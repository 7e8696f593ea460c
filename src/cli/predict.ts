/**
 * `kubectl modelship predict`: one inference request through a ModelDeployment's Service, for smoke tests.
 *
 * By default the request goes through the API server's service proxy (works from any machine that can reach
 * the API server); with --direct straight to one of the Service's ready endpoints (found from its
 * EndpointSlices, as kube-proxy would route it: works only inside the cluster network).
 *
 * Bodies: an OIP v2 request ({"inputs": [...]}), a V1 request ({"instances": [...]}), or a bare JSON array of
 * rows, which becomes {"instances": rows} (or, with --v2, an OIP tensor shaped from the model's metadata).
 */
import { HttpMethod } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.ts';
import { ApiError } from '../kube/errors.ts';
import { pickServicePort, resolveService, type Endpoint, type Service } from '../kube/endpoints.ts';
import { CliError } from './errors.ts';

export type Protocol = 'v1' | 'v2';

export interface InferenceRequest {
  protocol: Protocol;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export interface ModelMetadata {
  name?: string;
  inputs?: TensorMetadata[];
  outputs?: TensorMetadata[];
}

/** Parses the request body, naming where it came from when it is not JSON. */
export function parsePayload(text: string, source: string): unknown {
  if (text.trim() === '') throw new CliError(`${source} is empty: give a JSON request body`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
}

export function v1Path(model: string): string {
  return `/v1/models/${encodeURIComponent(model)}:predict`;
}

export function v2Path(model: string): string {
  return `/v2/models/${encodeURIComponent(model)}/infer`;
}

export function v2MetadataPath(model: string): string {
  return `/v2/models/${encodeURIComponent(model)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Which protocol a body speaks, and whether a bare array still needs the model's metadata (--v2). */
export function classifyPayload(payload: unknown, forced?: Protocol): { protocol: Protocol; needsMetadata: boolean } {
  if (isObject(payload) && 'inputs' in payload) {
    if (forced === 'v1') throw new CliError('the body has "inputs", an OIP v2 request: drop --v1, or send {"instances": [...]}');
    return { protocol: 'v2', needsMetadata: false };
  }
  if (isObject(payload) && 'instances' in payload) {
    if (forced === 'v2') throw new CliError('the body has "instances", a V1 request: drop --v2, or send {"inputs": [...]}');
    return { protocol: 'v1', needsMetadata: false };
  }
  if (Array.isArray(payload)) return { protocol: forced ?? 'v1', needsMetadata: forced === 'v2' };
  throw new CliError(
    'the body must be an OIP v2 request {"inputs": [...]}, a V1 request {"instances": [...]}, or a JSON array of rows',
  );
}

/** The request to send for `payload`; `metadata` is needed only for a bare array sent as --v2. */
export function buildRequest(model: string, payload: unknown, forced?: Protocol, metadata?: ModelMetadata): InferenceRequest {
  const { protocol, needsMetadata } = classifyPayload(payload, forced);
  if (protocol === 'v1') {
    return { protocol, method: 'POST', path: v1Path(model), body: Array.isArray(payload) ? { instances: payload } : payload };
  }
  if (!needsMetadata) return { protocol, method: 'POST', path: v2Path(model), body: payload };
  return { protocol, method: 'POST', path: v2Path(model), body: { inputs: [tensorFromRows(payload as unknown[], metadata)] } };
}

/** An OIP input tensor from nested arrays, named and typed after the model's only input. */
function tensorFromRows(rows: unknown[], metadata: ModelMetadata | undefined): Record<string, unknown> {
  const inputs = metadata?.inputs ?? [];
  if (inputs.length !== 1) {
    const names = inputs.map((i) => i.name).join(', ') || 'none listed';
    throw new CliError(
      `the model has ${inputs.length} inputs (${names}): a bare array can only fill a single input; send an OIP request {"inputs": [...]}`,
    );
  }
  const input = inputs[0]!;
  return { name: input.name, shape: shapeOf(rows), datatype: input.datatype, data: rows.flat(Infinity) };
}

/** The shape of a rectangular nested array; throws on ragged rows. */
export function shapeOf(value: unknown): number[] {
  if (!Array.isArray(value)) return [];
  if (value.length === 0) return [0];
  const inner = shapeOf(value[0]);
  for (const item of value) {
    if (JSON.stringify(shapeOf(item)) !== JSON.stringify(inner)) {
      throw new CliError('the rows are ragged: every row must have the same length');
    }
  }
  return [value.length, ...inner];
}

export interface Answer {
  status: number;
  text: string;
  /** Which endpoint or path answered, for --verbose and error messages. */
  via: string;
}

/** How a request reaches the model. */
export interface Transport {
  /** How the endpoint was found, for --verbose. */
  note?: string;
  send(req: { method: 'GET' | 'POST'; path: string; body?: unknown }): Promise<Answer>;
}

export interface Target {
  namespace: string;
  service: string;
  port?: string | number;
  timeoutMs: number;
}

/** Straight to one ready endpoint of the Service, picked at random as kube-proxy would. */
export async function directTransport(client: KubeClient, target: Target, pick = randomPick): Promise<Transport> {
  let endpoints: Endpoint[];
  let source: string;
  try {
    ({ endpoints, source } = await resolveService(client, target.namespace, target.service, target.port));
  } catch (err) {
    if (err instanceof ApiError && err.statusCode === 404) {
      throw new CliError(`service ${target.service} not found in namespace ${target.namespace}`);
    }
    if (err instanceof Error && err.name === 'EndpointError') throw new CliError(err.message);
    throw err;
  }
  if (endpoints.length === 0) {
    throw new CliError(
      `service ${target.service} in namespace ${target.namespace} has no ready endpoints: no runtime pod is ready yet ` +
        `(see kubectl modelship status, or kubectl get pods -l modelship.io/deployment)`,
      3,
    );
  }
  const endpoint = pick(endpoints);
  return {
    note:
      source === 'pods'
        ? `endpoint picked from the ready pods the Service selects (its EndpointSlices list no ready endpoint)`
        : `endpoint picked from the Service's EndpointSlices (${endpoints.length} ready)`,
    async send(req) {
      const url = `http://${endpoint.hostPort}${req.path}`;
      const via = endpoint.podName ? `pod ${endpoint.podName} (${endpoint.hostPort})` : endpoint.hostPort;
      try {
        const res = await fetch(url, {
          method: req.method,
          ...(req.body === undefined ? {} : { body: JSON.stringify(req.body), headers: { 'content-type': 'application/json' } }),
          signal: AbortSignal.timeout(target.timeoutMs),
        });
        return { status: res.status, text: await res.text(), via };
      } catch (err) {
        throw new CliError(
          `cannot reach ${via}: ${describeFetchError(err)}. From outside the cluster network, leave out --direct`,
          3,
        );
      }
    },
  };
}

/** Through the API server: /api/v1/namespaces/<ns>/services/http:<svc>:<port>/proxy/<path>. */
export async function proxyTransport(client: KubeClient, target: Target): Promise<Transport> {
  const port = await proxyPort(client, target);
  // scheme:name:port; all three parts, since "a:b" would read as name:port.
  const base = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/services/http:${encodeURIComponent(target.service)}:${encodeURIComponent(port)}/proxy`;
  return {
    note: `through the API server's service proxy (${base})`,
    async send(req) {
      const via = `the API server's proxy to service ${target.service}`;
      try {
        const body = await client.request<unknown>(req.method === 'GET' ? HttpMethod.GET : HttpMethod.POST, base + req.path, {
          ...(req.body === undefined ? {} : { body: req.body }),
          signal: AbortSignal.timeout(target.timeoutMs),
        });
        return { status: 200, text: JSON.stringify(body), via };
      } catch (err) {
        if (err instanceof ApiError) return { status: err.statusCode, text: err.message, via };
        throw err;
      }
    },
  };
}

/**
 * The Service port the proxy path names: the one asked for, else the one a direct request would take (its
 * only port, or the one named http); the API server's proxy itself only guesses for an unnamed port.
 */
async function proxyPort(client: KubeClient, target: Target): Promise<string> {
  if (target.port !== undefined) return String(target.port);
  const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/services/${encodeURIComponent(target.service)}`;
  try {
    const picked = pickServicePort(await client.request<Service>(HttpMethod.GET, path), undefined);
    return picked.name || String(picked.port);
  } catch (err) {
    if (err instanceof ApiError && err.statusCode === 404) {
      throw new CliError(`service ${target.service} not found in namespace ${target.namespace}`);
    }
    if (err instanceof Error && err.name === 'EndpointError') throw new CliError(err.message);
    throw err;
  }
}

function randomPick<T>(items: T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if ((err as Error).name === 'TimeoutError') return 'timed out';
  return (err as Error).message;
}

/** The body of an error answer in one line: the runtime's {"error": …} message when there is one. */
export function errorText(text: string): string {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (isObject(parsed) && typeof parsed.error === 'string') return parsed.error;
    if (isObject(parsed) && typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: show it as it came
  }
  return text.trim().slice(0, 500);
}

/** Sends `payload` to `model` and returns the answer's JSON text, pretty-printed. */
export async function predict(
  transport: Transport,
  model: string,
  payload: unknown,
  forced?: Protocol,
): Promise<{ text: string; via: string; protocol: Protocol }> {
  const { needsMetadata } = classifyPayload(payload, forced);
  let metadata: ModelMetadata | undefined;
  if (needsMetadata) {
    const meta = await transport.send({ method: 'GET', path: v2MetadataPath(model) });
    if (meta.status !== 200) throw new CliError(`reading model metadata from ${meta.via} failed: HTTP ${meta.status}: ${errorText(meta.text)}`);
    metadata = JSON.parse(meta.text) as ModelMetadata;
  }
  const req = buildRequest(model, payload, forced, metadata);
  const answer = await transport.send(req);
  if (answer.status < 200 || answer.status >= 300) {
    throw new CliError(`${answer.via} answered HTTP ${answer.status}: ${errorText(answer.text)}`, 4);
  }
  let text = answer.text;
  try {
    text = JSON.stringify(JSON.parse(answer.text), null, 2);
  } catch {
    // not JSON: print as is
  }
  return { text, via: answer.via, protocol: req.protocol };
}
