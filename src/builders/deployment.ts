import type { V1Container, V1Deployment, V1EnvVar, V1SecurityContext, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { LABELS } from '../api/constants.ts';
import type { ModelDeployment } from '../api/types.ts';
import { revisionLabels, selectorLabels } from './labels.ts';
import { childMetadata } from './owner.ts';
import { AUTH_TOKEN_DIR, GRPC_PORT, HTTP_PORT, LIVE_PATH, MODEL_DIR, PVC_ROOT, READY_PATH, TMP_DIR } from './paths.ts';
import type { Revision, RevisionTemplate } from './revision.ts';
import { NUMBER_ANNOTATION, TEMPLATE_ANNOTATION, formatTemplate } from './revision.ts';
import { fetchArgs, serveArgs, servesGrpc } from './runtime-args.ts';

/** The owner: its name, namespace and uid. What runs comes from the revision alone. */
type Owner = Pick<ModelDeployment, 'metadata'>;

export interface DeploymentInput {
  revision: Revision;
  /** The revision's number (status.history, modelship.io/revision-number). */
  number: number;
  /** Pods of this revision: the rollout's share of spec.replicas, which an HPA may drive through /scale. */
  replicas: number;
}

/** Seconds a terminating pod keeps serving so endpoints drop it before it stops accepting requests. */
const PRE_STOP_SLEEP_SECONDS = 5;
/** The runtime's default --drain-timeout-seconds (ADR 0001), which the operator does not override. */
const RUNTIME_DRAIN_TIMEOUT_SECONDS = 30;
/**
 * Kubernetes kills the pod this long after deciding to stop it, preStop included: it must cover the preStop
 * sleep and the runtime's whole drain, or a pod still finishing requests is killed mid-drain (the default
 * 30 s is shorter than 5 + 30).
 */
export const TERMINATION_GRACE_PERIOD_SECONDS = PRE_STOP_SLEEP_SECONDS + RUNTIME_DRAIN_TIMEOUT_SECONDS + 5;

/** The pod security standard "restricted" for every container. */
const RESTRICTED: V1SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The Deployment of one revision: `<name>-<revision hash>` (at most 50 + 1 + 10 characters). */
function deploymentName(md: Pick<ModelDeployment, 'metadata'>, hash: string): string {
  return `${md.metadata.name ?? ''}-${hash}`;
}

/**
 * The Deployment of one revision (ADR 0003). It is built from the revision's
 * own template, not from the spec, which may have moved on (the stable
 * revision of a canary), selects only its own pods, and carries its template
 * and number so the revision can be run again, undone to and numbered from the
 * cluster alone. Its pod template never changes with the spec, so its pods
 * only roll when the operator itself changes how it builds them, then with
 * maxUnavailable 0.
 */
export function buildDeployment(md: Owner, input: DeploymentInput): V1Deployment {
  const { revision } = input;
  const { runtime } = revision.template;
  const labels = revisionLabels(md, revision);
  const metadata = childMetadata(md, deploymentName(md, revision.hash), labels);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      ...metadata,
      annotations: { [TEMPLATE_ANNOTATION]: formatTemplate(revision.template), [NUMBER_ANNOTATION]: String(input.number) },
    },
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: { ...selectorLabels(md), [LABELS.revision]: revision.hash } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      revisionHistoryLimit: 1,
      template: {
        metadata: { labels },
        spec: {
          // The runtime never talks to the API server.
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: TERMINATION_GRACE_PERIOD_SECONDS,
          ...(runtime.serviceAccountName ? { serviceAccountName: runtime.serviceAccountName } : {}),
          ...(runtime.nodeSelector ? { nodeSelector: runtime.nodeSelector } : {}),
          ...(runtime.tolerations ? { tolerations: runtime.tolerations } : {}),
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          initContainers: [fetchContainer(revision.template)],
          containers: [runtimeContainer(revision.template)],
          volumes: volumes(revision.template),
        },
      },
    },
  };
}

function fetchContainer(template: RevisionTemplate): V1Container {
  const { credentialsSecret } = template.model;
  const pvc = pvcOf(template.model.uri);
  const mounts: V1VolumeMount[] = [{ name: 'model', mountPath: MODEL_DIR }, { name: 'tmp', mountPath: TMP_DIR }];
  if (pvc) mounts.push({ name: 'model-source', mountPath: `${PVC_ROOT}/${pvc.claim}`, readOnly: true });
  return {
    name: 'fetch-model',
    image: template.runtime.image,
    ...pullPolicy(template),
    args: fetchArgs(template.model),
    // The Secret's keys become the standard variables fetch reads (AWS_*, authorization).
    ...(credentialsSecret ? { envFrom: [{ secretRef: { name: credentialsSecret } }] } : {}),
    volumeMounts: mounts,
    securityContext: RESTRICTED,
  };
}

function runtimeContainer(template: RevisionTemplate): V1Container {
  const { runtime } = template;
  const probe = runtime.readinessProbe ?? {};
  // The runtime listens on all of the pod's interfaces (its default), as port-forward and sidecars need.
  const env: V1EnvVar[] = [];
  if (runtime.injectErrorRate !== undefined) env.push({ name: 'MODELSHIP_INJECT_ERROR_RATE', value: String(runtime.injectErrorRate) });
  for (const e of runtime.env ?? []) env.push(e as V1EnvVar);
  const mounts: V1VolumeMount[] = [
    { name: 'model', mountPath: MODEL_DIR, readOnly: true },
    { name: 'tmp', mountPath: TMP_DIR },
  ];
  if (runtime.authTokenSecret) mounts.push({ name: 'auth-token', mountPath: AUTH_TOKEN_DIR, readOnly: true });
  return {
    name: 'runtime',
    image: runtime.image,
    ...pullPolicy(template),
    args: serveArgs(template),
    env,
    ports: [
      { name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' },
      ...(servesGrpc(runtime) ? [{ name: 'grpc', containerPort: GRPC_PORT, protocol: 'TCP' }] : []),
    ],
    readinessProbe: {
      httpGet: { path: READY_PATH, port: HTTP_PORT },
      initialDelaySeconds: probe.initialDelaySeconds ?? 0,
      periodSeconds: probe.periodSeconds ?? 2,
      timeoutSeconds: probe.timeoutSeconds ?? 2,
      failureThreshold: probe.failureThreshold ?? 3,
    },
    livenessProbe: {
      httpGet: { path: LIVE_PATH, port: HTTP_PORT },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 6,
    },
    // Keep serving while kube-proxy and load balancers drop the endpoint.
    lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SLEEP_SECONDS } } },
    ...(runtime.resources ? { resources: runtime.resources as V1Container['resources'] } : {}),
    volumeMounts: mounts,
    securityContext: RESTRICTED,
  };
}

function volumes(template: RevisionTemplate): V1Volume[] {
  const out: V1Volume[] = [
    { name: 'model', emptyDir: {} },
    { name: 'tmp', emptyDir: {} },
  ];
  const pvc = pvcOf(template.model.uri);
  if (pvc) out.push({ name: 'model-source', persistentVolumeClaim: { claimName: pvc.claim, readOnly: true } });
  const secret = template.runtime.authTokenSecret;
  if (secret) out.push({ name: 'auth-token', secret: { secretName: secret, items: [{ key: 'token', path: 'token' }] } });
  return out;
}

function pullPolicy(template: RevisionTemplate): { imagePullPolicy?: string } {
  const p = template.runtime.imagePullPolicy;
  return p ? { imagePullPolicy: p } : {};
}

/** The claim a pvc:// URI reads from; fetch finds it mounted at /mnt/pvc/<claim>. */
export function pvcOf(uri: string): { claim: string } | undefined {
  const m = /^pvc:\/\/([^/]+)\//.exec(uri);
  return m?.[1] ? { claim: m[1] } : undefined;
}
