export interface EtcdConfig {
  dataDir: string;
  clientPort: number;
  peerPort: number;
}

export function etcdClientUrl(config: EtcdConfig): string {
  return `http://127.0.0.1:${config.clientPort}`;
}

/** A single-member etcd on loopback, plain HTTP (nothing but the API server can reach it). */
export function etcdArgs(config: EtcdConfig): string[] {
  const client = etcdClientUrl(config);
  const peer = `http://127.0.0.1:${config.peerPort}`;
  return [
    'etcd',
    '--name=proving-ground',
    `--data-dir=${config.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=proving-ground=${peer}`,
    '--initial-cluster-state=new',
    // Test clusters are thrown away; fsync on every write would make the API
    // server's writes several times slower on a busy disk.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}
