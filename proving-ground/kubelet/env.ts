import type { V1ConfigMap, V1Container, V1EnvVarSource, V1Pod, V1Secret } from '@kubernetes/client-node';
import { expandVariables } from './expand.ts';
import { formatForDivisor, parseQuantity } from './quantity.ts';

/** Reads the objects env and volumes refer to; undefined means "does not exist". */
export interface ObjectSource {
  configMap(namespace: string, name: string): Promise<V1ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<V1Secret | undefined>;
}

/**
 * A container cannot be configured (missing ConfigMap, Secret or key): the
 * kubelet reports waiting/CreateContainerConfigError and tries again later.
 */
export class ContainerConfigError extends Error {
  override name = 'ContainerConfigError';
}

export interface EnvContext {
  pod: V1Pod;
  container: V1Container;
  podIP: string;
  hostIP: string;
  /** Node allocatable, used for resourceFieldRef when the container sets no limit. */
  nodeAllocatable: { cpu: string; memory: string; 'ephemeral-storage'?: string };
  objects: ObjectSource;
}

/** The container's environment, in the order Kubernetes builds it: envFrom, then env (later wins). */
export async function resolveContainerEnv(context: EnvContext): Promise<Map<string, string>> {
  const { pod, container, objects } = context;
  const namespace = pod.metadata?.namespace ?? 'default';
  const env = new Map<string, string>();

  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    if (source.configMapRef) {
      const configMap = await objects.configMap(namespace, source.configMapRef.name ?? '');
      if (!configMap) {
        if (source.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${source.configMapRef.name}" not found`);
      }
      for (const [key, value] of Object.entries(configMap.data ?? {})) if (isEnvName(prefix + key)) env.set(prefix + key, value);
    }
    if (source.secretRef) {
      const secret = await objects.secret(namespace, source.secretRef.name ?? '');
      if (!secret) {
        if (source.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${source.secretRef.name}" not found`);
      }
      for (const [key, value] of Object.entries(secret.data ?? {})) {
        if (isEnvName(prefix + key)) env.set(prefix + key, Buffer.from(value, 'base64').toString('utf8'));
      }
    }
  }

  for (const variable of container.env ?? []) {
    if (variable.valueFrom) {
      const value = await resolveValueFrom(variable.valueFrom, context, namespace);
      if (value !== undefined) env.set(variable.name, value);
    } else {
      // $(VAR) refers to variables defined earlier in the list (or by envFrom).
      env.set(variable.name, expandVariables(variable.value ?? '', (name) => env.get(name)));
    }
  }
  return env;
}

function isEnvName(name: string): boolean {
  return /^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(name);
}

async function resolveValueFrom(source: V1EnvVarSource, context: EnvContext, namespace: string): Promise<string | undefined> {
  if (source.fieldRef) return fieldValue(source.fieldRef.fieldPath, context);
  if (source.resourceFieldRef) {
    const ref = source.resourceFieldRef;
    const containerName = ref.containerName || context.container.name;
    const target = [...(context.pod.spec?.containers ?? []), ...(context.pod.spec?.initContainers ?? [])].find(
      (candidate) => candidate.name === containerName,
    );
    if (!target) throw new ContainerConfigError(`resourceFieldRef names unknown container "${containerName}"`);
    const [kind, resource] = ref.resource.split('.', 2) as [string, string];
    const resources = target.resources ?? {};
    const declared = kind === 'requests' ? (resources.requests?.[resource] ?? resources.limits?.[resource]) : resources.limits?.[resource];
    let value: number;
    if (declared !== undefined) value = parseQuantity(String(declared));
    else if (kind === 'limits') {
      const allocatable = context.nodeAllocatable[resource as 'cpu' | 'memory' | 'ephemeral-storage'];
      value = allocatable ? parseQuantity(allocatable) : 0;
    } else value = 0;
    return formatForDivisor(value, ref.divisor === undefined ? undefined : String(ref.divisor));
  }
  if (source.configMapKeyRef) {
    const ref = source.configMapKeyRef;
    const configMap = await context.objects.configMap(namespace, ref.name ?? '');
    const value = configMap?.data?.[ref.key] ?? configMap?.binaryData?.[ref.key];
    if (value !== undefined) return value;
    if (ref.optional) return undefined;
    if (!configMap) throw new ContainerConfigError(`configmap "${ref.name}" not found`);
    throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${namespace}/${ref.name}`);
  }
  if (source.secretKeyRef) {
    const ref = source.secretKeyRef;
    const secret = await context.objects.secret(namespace, ref.name ?? '');
    const value = secret?.data?.[ref.key];
    if (value !== undefined) return Buffer.from(value, 'base64').toString('utf8');
    if (ref.optional) return undefined;
    if (!secret) throw new ContainerConfigError(`secret "${ref.name}" not found`);
    throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${namespace}/${ref.name}`);
  }
  return undefined;
}

/** The downward API's field paths, for env (fieldRef) and downwardAPI volumes. */
export function fieldValue(fieldPath: string, context: { pod: V1Pod; podIP: string; hostIP: string }): string {
  const { pod } = context;
  const mapEntry = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (mapEntry) {
    const map = mapEntry[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[mapEntry[2]!] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata?.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata?.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return context.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return context.hostIP;
    default:
      throw new ContainerConfigError(`unsupported fieldRef ${fieldPath}`);
  }
}

/** key="value" lines, sorted, as the downward API writes labels and annotations. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${JSON.stringify(map![key])}`)
    .join('\n');
}
