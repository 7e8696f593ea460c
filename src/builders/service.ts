import type { V1Service } from '@kubernetes/client-node';
import type { ModelDeployment } from '../api/types.ts';
import { childLabels, selectorLabels } from './labels.ts';
import { childMetadata } from './owner.ts';
import { HTTP_PORT, SERVICE_PORT } from './paths.ts';

type Spec = Pick<ModelDeployment, 'metadata'>;

export function serviceName(md: Spec): string {
  return md.metadata.name ?? '';
}

/** The in-cluster URL status.url reports. */
export function serviceUrl(md: Spec): string {
  return `http://${serviceName(md)}.${md.metadata.namespace}.svc.cluster.local`;
}

/** One Service in front of every serving revision: port 80 to the runtime's 8080. */
export function buildService(md: Spec): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMetadata(md, serviceName(md), childLabels(md)),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(md),
      ports: [{ name: 'http', port: SERVICE_PORT, targetPort: HTTP_PORT, protocol: 'TCP' }],
    },
  };
}
