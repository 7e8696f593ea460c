import type { V1Service } from '@kubernetes/client-node';
import { LABELS } from '../api/constants.ts';
import type { RolloutStrategy } from '../api/constants.ts';
import type { ModelDeployment } from '../api/types.ts';
import { childLabels, selectorLabels } from './labels.ts';
import { childMetadata } from './owner.ts';
import { GRPC_PORT, HTTP_PORT, SERVICE_PORT } from './paths.ts';
import { servesGrpc } from './runtime-args.ts';

type Spec = Pick<ModelDeployment, 'metadata'>;
type SpecWithRuntime = Pick<ModelDeployment, 'metadata' | 'spec'>;

export function serviceName(md: Spec): string {
  return md.metadata.name ?? '';
}

/** The in-cluster URL status.url reports. */
export function serviceUrl(md: Spec): string {
  return `http://${serviceName(md)}.${md.metadata.namespace}.svc.cluster.local`;
}

const SERVICE_SUFFIX = { stable: '-stable', canary: '-canary', preview: '-preview' } as const;

/** Which revision each Service selects (hashes); see buildServices. */
export interface ServiceTargets {
  /** The main Service: undefined selects every revision's Ready pods; a hash selects that revision only. */
  main?: string;
  stable?: string;
  /** The candidate, or stable when no rollout runs. */
  candidate?: string;
}

/**
 * A Service on port 80 to the runtime's 8080 and, unless gRPC is off, 8081 to its gRPC port, selecting the
 * ModelDeployment's pods (of one revision, when given). appProtocol tells meshes and gateways that gRPC port
 * speaks HTTP/2 in cleartext.
 */
export function buildService(md: SpecWithRuntime, name = serviceName(md), revision?: string): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMetadata(md, name, childLabels(md)),
    spec: {
      type: 'ClusterIP',
      selector: { ...selectorLabels(md), ...(revision ? { [LABELS.revision]: revision } : {}) },
      ports: [
        { name: 'http', port: SERVICE_PORT, targetPort: HTTP_PORT, protocol: 'TCP' },
        ...(servesGrpc(md.spec.runtime) ? [{ name: 'grpc', port: GRPC_PORT, targetPort: GRPC_PORT, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }] : []),
      ],
    },
  };
}

/**
 * Every Service of a ModelDeployment, with undefined for one its strategy does not use (to be removed):
 * - `<name>`: the Ready pods of every revision (RollingUpdate, Canary: traffic follows the share of Ready
 *   pods), or of the active revision only (BlueGreen, where the preview must get no traffic before the switch);
 * - `<name>-stable` (Canary, BlueGreen): the stable revision;
 * - `<name>-canary` (Canary) or `<name>-preview` (BlueGreen): the candidate, or stable when there is none.
 * RollingUpdate, the default, has the main Service only: on a busy API server every Service costs, and
 * pinning traffic to one revision matters only to the progressive strategies.
 */
export function buildServices(md: SpecWithRuntime, targets: ServiceTargets, strategy: RolloutStrategy): Array<{ name: string; desired: V1Service | undefined }> {
  const base = serviceName(md);
  const one = (suffix: string, hash: string | undefined) => buildService(md, base + suffix, hash);
  return [
    { name: base, desired: buildService(md, base, targets.main) },
    { name: base + SERVICE_SUFFIX.stable, desired: strategy !== 'RollingUpdate' ? one(SERVICE_SUFFIX.stable, targets.stable) : undefined },
    { name: base + SERVICE_SUFFIX.canary, desired: strategy === 'Canary' ? one(SERVICE_SUFFIX.canary, targets.candidate) : undefined },
    { name: base + SERVICE_SUFFIX.preview, desired: strategy === 'BlueGreen' ? one(SERVICE_SUFFIX.preview, targets.candidate) : undefined },
  ];
}
