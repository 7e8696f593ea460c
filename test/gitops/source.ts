// The GitOps source of the Flux suite: an S3 bucket on this machine (s3rver on loopback) that Flux's
// source-controller reads as a Bucket source, plus the Flux objects that point at it. Writing a file to
// the bucket is the suite's "git push".
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { dump } from 'js-yaml';
import S3rver from 's3rver';
import { FLUX_NAMESPACE } from '../../proving-ground/flux/flux.ts';

export const BUCKET = 'gitops';
const KEY = 'S3RVER'; // s3rver's fixed credentials

export class BucketSource {
  private readonly server: S3rver;
  private readonly client: S3Client;
  readonly endpoint: string;

  private constructor(server: S3rver, client: S3Client, endpoint: string) {
    this.server = server;
    this.client = client;
    this.endpoint = endpoint;
  }

  static async start(): Promise<BucketSource> {
    const directory = await mkdtemp(path.join(tmpdir(), 'modelship-gitops-s3-'));
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: BUCKET }] });
    const { port } = await server.run();
    const endpoint = `127.0.0.1:${port}`;
    const client = new S3Client({ endpoint: `http://${endpoint}`, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: KEY, secretAccessKey: KEY } });
    return new BucketSource(server, client, endpoint);
  }

  async put(key: string, body: string | Buffer): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  }

  /** Uploads a directory tree under `prefix`. */
  async putTree(dir: string, prefix: string): Promise<void> {
    for (const entry of readdirSync(dir)) {
      const file = path.join(dir, entry);
      if (statSync(file).isDirectory()) await this.putTree(file, `${prefix}/${entry}`);
      else await this.put(`${prefix}/${entry}`, readFileSync(file));
    }
  }

  async stop(): Promise<void> {
    this.client.destroy();
    await this.server.close();
  }

  /** The Secret and the Bucket source Flux reads this bucket through. */
  manifests(): string {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's3-credentials', namespace: FLUX_NAMESPACE }, stringData: { accesskey: KEY, secretkey: KEY } };
    const bucket = {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'Bucket',
      metadata: { name: BUCKET, namespace: FLUX_NAMESPACE },
      spec: { provider: 'generic', bucketName: BUCKET, endpoint: this.endpoint, insecure: true, interval: '1m', secretRef: { name: 's3-credentials' } },
    };
    return [secret, bucket].map((d) => dump(d)).join('---\n');
  }
}

/** The Kustomization of the suite: applies ./models from the bucket and waits for every object's health. */
export function kustomization(): string {
  return dump({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'models', namespace: FLUX_NAMESPACE },
    spec: { interval: '1m', retryInterval: '10s', timeout: '4m', sourceRef: { kind: 'Bucket', name: BUCKET }, path: './models', prune: true, wait: true },
  });
}

/** The HelmRelease of the suite: the chart from ./charts/modelship in the bucket, CRD included. */
export function helmRelease(values: unknown): string {
  return dump({
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: 'modelship', namespace: FLUX_NAMESPACE },
    spec: {
      interval: '1m',
      timeout: '5m',
      releaseName: 'modelship',
      targetNamespace: 'modelship-system',
      chart: { spec: { chart: './charts/modelship', reconcileStrategy: 'Revision', sourceRef: { kind: 'Bucket', name: BUCKET } } },
      install: { createNamespace: true },
      values,
    },
  });
}
