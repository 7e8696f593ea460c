// Names of the ModelDeployment API and the labels/annotations that tie the operator, its children and the
// CLI together. docs/adr/0001-contracts-between-parts.md is the source of truth for the label and annotation
// keys; change them there first.

export const GROUP = 'modelship.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'ModelDeployment';
export const LIST_KIND = 'ModelDeploymentList';
export const PLURAL = 'modeldeployments';
export const SINGULAR = 'modeldeployment';
export const SHORT_NAMES: readonly string[] = ['md'];
export const CATEGORIES: readonly string[] = ['modelship', 'ml'];
export const CRD_NAME = `${PLURAL}.${GROUP}`;

/** Labels the operator puts on every child it owns (Deployments, Services, HPAs, Pods). */
export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  managedBy: 'app.kubernetes.io/managed-by',
  /** Name of the owning ModelDeployment. */
  deployment: `${GROUP}/deployment`,
  /** Hash of the revision (model + runtime template) a Deployment or Pod runs. */
  revision: `${GROUP}/revision`,
  /** Model version (spec.model.version) a Deployment or Pod serves. */
  version: `${GROUP}/version`,
} as const;

/** Fixed values for some of the labels above. */
export const LABEL_VALUES = {
  name: 'modelship-runtime',
  managedBy: 'modelship',
} as const;

/**
 * Manual control of a rollout, by annotation on the ModelDeployment, so kubectl, scripts and the CLI plugin
 * share one path. One-shot annotations (promote, abort, retry, undo) are removed by the operator once it has
 * acted on them; `paused` stays until a person removes it.
 */
export const ANNOTATIONS = {
  /** `step` promotes the current canary step; `full` skips the remaining steps and analysis. One-shot. */
  promote: `${GROUP}/promote`,
  /** Any value: abort the rollout in progress and send all traffic back to stable. One-shot. */
  abort: `${GROUP}/abort`,
  /** Any value: retry a rolled-back or aborted revision with the same spec. One-shot. */
  retry: `${GROUP}/retry`,
  /** `"true"`: hold the rollout at its current step until removed. */
  paused: `${GROUP}/paused`,
  /** A revision number or a model version from status.history: roll back to it. One-shot. */
  undo: `${GROUP}/undo`,
} as const;

const PROMOTE_VALUES = ['step', 'full'] as const;
export type PromoteValue = (typeof PROMOTE_VALUES)[number];

/** Condition types the operator reports in status.conditions. */
export const CONDITION_TYPES = {
  /** kstatus: True when the latest spec is fully rolled out and serving. */
  ready: 'Ready',
  /** kstatus (abnormal-true): present and True while the operator is working towards the spec. */
  reconciling: 'Reconciling',
  /** kstatus (abnormal-true): present and True when progress has stopped and needs a person. */
  stalled: 'Stalled',
  /** True when at least the minimum number of replicas serve a model. */
  available: 'Available',
  /** True while a rollout moves forward; False with a reason once it completed or failed. */
  progressing: 'Progressing',
  /** True when the spec's model version is not what serves, e.g. after an automatic rollback. */
  degraded: 'Degraded',
} as const;

export const ROLLOUT_STRATEGIES = ['RollingUpdate', 'Canary', 'BlueGreen'] as const;
export type RolloutStrategy = (typeof ROLLOUT_STRATEGIES)[number];
