import { createHash } from 'node:crypto';
import { GROUP } from '../api/constants.ts';
import { servedModelName } from '../api/defaults.ts';
import type { ModelDeployment, ModelSource, RuntimeSpec } from '../api/types.ts';
import { canonicalJson } from '../util/canonical-json.ts';

/**
 * What a revision's pods run: the model (with its served name filled in) and
 * the runtime template (with the operator's default image filled in).
 * Replicas, autoscaling and rollout settings are not part of it: scaling never
 * starts a rollout.
 */
export interface RevisionTemplate {
  model: ModelSource & { name: string };
  runtime: RuntimeSpec & { image: string };
}

/**
 * A revision is what a set of runtime pods serves: one model version, from one
 * URI, checked against one sha256, run with one runtime template. Its hash
 * names it in labels (modelship.io/revision) and in its Deployment's name, and
 * tells the reconcile whether what runs is what the spec asks for. One value
 * travels from the spec (desiredRevision) through the rollout engine to the
 * builders; its version, URI and image are read from the template alone.
 */
export interface Revision {
  hash: string;
  /** Everything needed to run the revision, again after the spec has moved on too. */
  template: RevisionTemplate;
}

/** The template the spec asks for. `defaultImage` is the operator's configured runtime image. */
export function revisionTemplate(md: Pick<ModelDeployment, 'metadata' | 'spec'>, defaultImage: string): RevisionTemplate {
  const { model, runtime } = md.spec;
  return {
    model: dropUndefined({ name: servedModelName(md), version: model.version, uri: model.uri, sha256: model.sha256, credentialsSecret: model.credentialsSecret }),
    runtime: { ...runtime, image: runtime?.image ?? defaultImage },
  };
}

/** The revision a template describes; its hash is 10 hex characters of the template's canonical JSON. */
export function revisionOf(template: RevisionTemplate): Revision {
  return { hash: createHash('sha256').update(canonicalJson(template)).digest('hex').slice(0, 10), template };
}

/** The revision the spec asks for. `defaultImage` is the operator's configured runtime image. */
export function desiredRevision(md: Pick<ModelDeployment, 'metadata' | 'spec'>, defaultImage: string): Revision {
  return revisionOf(revisionTemplate(md, defaultImage));
}

/** On a revision's Deployment: the canonical JSON of its RevisionTemplate. */
export const TEMPLATE_ANNOTATION = `${GROUP}/revision-template`;
/** On a revision's Deployment: its revision number. */
export const NUMBER_ANNOTATION = `${GROUP}/revision-number`;

/** The template a Deployment's annotation holds, or undefined when it is missing or unreadable. */
export function parseTemplate(text: string | undefined): RevisionTemplate | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<RevisionTemplate>;
    const m = value.model;
    if (!m || typeof m.version !== 'string' || typeof m.uri !== 'string' || typeof m.name !== 'string') return undefined;
    if (!value.runtime || typeof value.runtime.image !== 'string') return undefined;
    return value as RevisionTemplate;
  } catch {
    return undefined;
  }
}

export function formatTemplate(template: RevisionTemplate): string {
  return canonicalJson(template);
}

export function parseNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9][0-9]{0,15}$/.test(text)) return undefined;
  return Number(text);
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
