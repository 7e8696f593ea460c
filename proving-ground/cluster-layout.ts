import { join } from 'node:path';

/** Where everything of one cluster lives, under a single directory (which makes "find its processes" a grep). */
export interface ClusterLayout {
  dir: string;
  pkiDir: string;
  logsDir: string;
  etcdDataDir: string;
  adminKubeconfig: string;
  controllerManagerKubeconfig: string;
  schedulerKubeconfig: string;
  kubeProxyKubeconfig: string;
  auditPolicy: string;
  auditLog: string;
  /** One directory per pod: volumes, logs, its kubeconfig. */
  podsDir: string;
  /** PersistentVolumeClaims become directories here: <pvcDir>/<namespace>/<claim>. */
  pvcDir: string;
  logOf(component: string): string;
}

export function clusterLayout(dir: string): ClusterLayout {
  const logsDir = join(dir, 'logs');
  return {
    dir,
    pkiDir: join(dir, 'pki'),
    logsDir,
    etcdDataDir: join(dir, 'etcd'),
    adminKubeconfig: join(dir, 'kubeconfig'),
    controllerManagerKubeconfig: join(dir, 'pki', 'controller-manager.kubeconfig'),
    schedulerKubeconfig: join(dir, 'pki', 'scheduler.kubeconfig'),
    kubeProxyKubeconfig: join(dir, 'pki', 'kube-proxy.kubeconfig'),
    auditPolicy: join(dir, 'audit-policy.yaml'),
    auditLog: join(logsDir, 'audit.log'),
    podsDir: join(dir, 'pods'),
    pvcDir: join(dir, 'pvc'),
    logOf: (component) => join(logsDir, `${component}.log`),
  };
}
