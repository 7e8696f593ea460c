import { isInvalid } from '../kube/errors.ts';

/**
 * A failure the reconcile reports in status and does not retry: retrying
 * cannot help until a person changes something (the spec, or the object in
 * the way). `reason` becomes the Stalled condition's reason.
 */
export class SpecProblem extends Error {
  readonly reason: string;

  constructor(reason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SpecProblem';
    this.reason = reason;
  }
}

/** A child with our name exists but belongs to someone else: taking it over could break their workload. */
export function childConflict(kind: string, name: string, owner: string | undefined): SpecProblem {
  const by = owner ? `is controlled by ${owner}` : 'is not controlled by this ModelDeployment';
  return new SpecProblem('ChildConflict', `${kind} ${name} already exists and ${by}; delete or rename it`);
}

/** Turns an API server refusal that no retry can fix into a SpecProblem; other errors pass through. */
export function asSpecProblem(err: unknown, kind: string, name: string): unknown {
  if (isInvalid(err)) return new SpecProblem('InvalidChild', `the API server rejected ${kind} ${name}: ${(err as Error).message}`, { cause: err });
  return err;
}
