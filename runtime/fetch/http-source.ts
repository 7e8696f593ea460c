import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { FetchError } from './fetch-error.ts';

export interface HttpSourceOptions {
  /** Extra trusted CA certificates (PEM), on top of Node's bundle and NODE_EXTRA_CA_CERTS. */
  ca: string | undefined;
  /** Abort when the server sends nothing for this long. */
  idleTimeoutMs: number;
}

const MAX_REDIRECTS = 5;
// Statuses worth another try: the server or something in between is overloaded or restarting.
const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

export function openHttp(url: URL, options: HttpSourceOptions, redirects = 0): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'https:' ? httpsGet : httpGet;
    const tlsOptions = url.protocol === 'https:' && options.ca !== undefined ? { ca: withSystemRoots(options.ca) } : {};
    const request = get(url, { ...tlsOptions, timeout: options.idleTimeoutMs }, (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location !== undefined) {
        response.resume();
        if (redirects >= MAX_REDIRECTS) return reject(new FetchError(`${url.href}: too many redirects`, false));
        const next = new URL(response.headers.location, url);
        return resolve(openHttp(next, options, redirects + 1));
      }
      if (status !== 200) {
        response.resume();
        return reject(new FetchError(`${redact(url)} answered HTTP ${status}`, RETRYABLE_STATUSES.has(status)));
      }
      response.setTimeout(options.idleTimeoutMs, () => response.destroy(new Error(`no data for ${options.idleTimeoutMs} ms`)));
      resolve(response);
    });
    request.on('timeout', () => request.destroy(new Error(`no response within ${options.idleTimeoutMs} ms`)));
    request.on('error', (error) => reject(new FetchError(`${redact(url)}: ${error.message}`, isRetryableNetworkError(error))));
  });
}

/** Passing `ca` replaces Node's roots; keep them, so a private CA is added rather than substituted. */
function withSystemRoots(ca: string): string[] {
  return [...rootCertificates, ca];
}

/** Certificate problems will not fix themselves; connection drops and timeouts may. */
function isRetryableNetworkError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return !code.startsWith('ERR_TLS') && !code.includes('CERT') && code !== 'DEPTH_ZERO_SELF_SIGNED_CERT' && code !== 'SELF_SIGNED_CERT_IN_CHAIN';
}

/** Pre-signed URLs carry credentials in the query string; keep them out of logs. */
function redact(url: URL): string {
  return url.search === '' ? url.href : `${url.origin}${url.pathname}?…`;
}
