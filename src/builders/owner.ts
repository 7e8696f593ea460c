import { API_VERSION, KIND } from '../api/constants.ts';
import type { ModelDeployment } from '../api/types.ts';
import type { OwnerReference } from '../kube/object.ts';

/**
 * The controller reference every child carries: garbage collection deletes
 * children with their ModelDeployment, and child events map back to it.
 */
function controllerReference(md: Pick<ModelDeployment, 'metadata'>): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: md.metadata.name ?? '',
    uid: md.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The metadata shared by all children: name, namespace, labels, owner. */
export function childMetadata(md: Pick<ModelDeployment, 'metadata'>, name: string, labels: Record<string, string>) {
  return {
    name,
    namespace: md.metadata.namespace ?? '',
    labels,
    ownerReferences: [controllerReference(md)],
  };
}
