import type { ServedModel } from '../model/served-model.ts';
import { notFound } from '../protocol/errors.ts';

/** 404 unless the request names the served model and, when it names a version, the served version. */
export function checkModelAddress(model: ServedModel, name: string, version: string | undefined): void {
  if (name !== model.name) throw notFound(`unknown model '${name}'; this runtime serves '${model.name}'`);
  if (version !== undefined && version !== model.version) {
    throw notFound(`model '${name}' has no version '${version}'; this runtime serves version '${model.version}'`);
  }
}
