import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpCheckOptions {
  certificateAuthorityPem?: string;
  clientCertificatePem?: string;
  clientKeyPem?: string;
  /** Components serve /healthz with a self-signed certificate of their own. */
  insecure?: boolean;
  timeoutMs?: number;
  method?: string;
  headers?: Record<string, string>;
}

export interface HttpCheckResult {
  status: number;
  body: string;
}

/** One GET with a short timeout; rejects on connection errors. */
export function httpCheck(url: string, options: HttpCheckOptions = {}): Promise<HttpCheckResult> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, {
      method: options.method ?? 'GET',
      headers: options.headers,
      ca: options.certificateAuthorityPem,
      cert: options.clientCertificatePem,
      key: options.clientKeyPem,
      rejectUnauthorized: !options.insecure,
      agent: false,
    });
    req.setTimeout(options.timeoutMs ?? 2000, () => req.destroy(new Error(`no answer from ${url} within ${options.timeoutMs ?? 2000}ms`)));
    req.on('error', reject);
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => {
        if (chunks.length < 64) chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    req.end();
  });
}
