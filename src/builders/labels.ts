import { LABELS, LABEL_VALUES } from '../api/constants.ts';
import type { ModelDeployment } from '../api/types.ts';
import type { Revision } from './revision.ts';

type Named = Pick<ModelDeployment, 'metadata'>;

function nameOf(md: Named): string {
  return md.metadata.name ?? '';
}

/**
 * Labels that select every runtime pod of a ModelDeployment, whatever its
 * revision. A Deployment's selector is immutable, so it must not include the
 * revision or version; the same set is status.selector for /scale and the HPA.
 */
export function selectorLabels(md: Named): Record<string, string> {
  return { [LABELS.name]: LABEL_VALUES.name, [LABELS.deployment]: nameOf(md) };
}

/** Labels on every child the operator owns (ADR 0001). */
export function childLabels(md: Named): Record<string, string> {
  return {
    [LABELS.name]: LABEL_VALUES.name,
    [LABELS.instance]: nameOf(md),
    [LABELS.managedBy]: LABEL_VALUES.managedBy,
    [LABELS.deployment]: nameOf(md),
  };
}

/** Labels of a Deployment and its pods: the child labels plus the revision they run. */
export function revisionLabels(md: Named, revision: Revision): Record<string, string> {
  return { ...childLabels(md), [LABELS.revision]: revision.hash, [LABELS.version]: revision.template.model.version };
}

/** A label selector in the string form /scale and kubectl use: "k1=v1,k2=v2". */
export function selectorString(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** Selects every object this operator manages, for the informers' label selector. */
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${LABEL_VALUES.managedBy}`;
